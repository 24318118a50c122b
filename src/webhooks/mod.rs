//! Outbound delivery: the guarded HTTP client and the dispatcher.

pub mod dispatcher;
pub mod guard;
