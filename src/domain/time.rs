//! Times as annexa stores and returns them: RFC 3339 UTC with microseconds, so that text order
//! is time order.

use chrono::{DateTime, Utc};

pub fn format(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn now() -> String {
    format(Utc::now())
}

/// Reads any RFC 3339 time (any offset) into the stored form.
pub fn parse_rfc3339(value: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| format(t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_normalised_to_utc() {
        assert_eq!(
            parse_rfc3339("2026-11-24T10:30:00+01:00").as_deref(),
            Some("2026-11-24T09:30:00.000000Z")
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
