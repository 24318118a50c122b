use super::{connection, ServiceError};
use crate::db::{self, Pool};

/// Checks that a pooled connection answers.
pub fn ping(pool: &Pool) -> Result<(), ServiceError> {
    let mut conn = connection(pool)?;
    Ok(db::ping(&mut conn)?)
}
