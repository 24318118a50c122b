//! Cursor pagination: lists are ordered by id (UUIDv7, so creation order), newest first; the
//! cursor is the last id of the previous page, opaque to clients.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::FieldError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    /// Only rows whose key sorts strictly after this one (in list order) are returned.
    pub after: Option<String>,
}

impl Page {
    /// Limits above the maximum are capped; zero or negative limits are refused.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, FieldError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(l) if l < 1 => {
                return Err(FieldError::new(
                    "limit",
                    "range",
                    format!("must be between 1 and {MAX_LIMIT}"),
                ))
            }
            Some(l) => l.min(MAX_LIMIT),
        };
        let after = cursor.map(decode_cursor).transpose()?;
        Ok(Self { limit, after })
    }
}

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<String, FieldError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|key| !key.is_empty() && key.len() <= 200)
        .ok_or_else(|| FieldError::new("cursor", "cursor", "is not a cursor this API returned"))
}

/// Splits a fetched `limit + 1` rows into the page and the next cursor.
pub fn finish<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| encode_cursor(&key(r)));
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_capped_and_checked() {
        assert_eq!(Page::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(Page::parse(Some(10_000), None).unwrap().limit, MAX_LIMIT);
        assert_eq!(Page::parse(Some(0), None).unwrap_err().field, "limit");
    }

    #[test]
    fn cursors_round_trip() {
        let c = encode_cursor("0190-abc");
        assert_eq!(
            Page::parse(None, Some(&c)).unwrap().after.as_deref(),
            Some("0190-abc")
        );
        assert_eq!(Page::parse(None, Some("!!")).unwrap_err().field, "cursor");
    }

    #[test]
    fn finish_sets_next_cursor_only_when_more() {
        let (rows, next) = finish(vec![1, 2, 3], 2, |r| r.to_string());
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(next, Some(encode_cursor("2")));
        let (_, next) = finish(vec![1, 2], 2, |r| r.to_string());
        assert_eq!(next, None);
    }
}
