//! Times as annexa stores and returns them: RFC 3339 UTC with microseconds, so that text order
//! is time order.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::FieldError;

pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
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

/// Today's date in UTC, `YYYY-MM-DD`: what due dates and contract dates are compared with.
pub fn today() -> String {
    format_date(Utc::now().date_naive())
}

pub fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

pub fn format_date(date: NaiveDate) -> String {
    // `NaiveDate`'s own rendering is `YYYY-MM-DD`, without parsing a format string each call.
    date.to_string()
}

/// A request's `YYYY-MM-DD` date, trimmed, or a field error naming `field`.
pub fn parse_date_field(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    match parse_date(value) {
        Some(_) => Ok(value.to_owned()),
        None => Err(FieldError::new(field, "date", "must be a YYYY-MM-DD date")),
    }
}

/// The date `days` after `date`.
pub fn add_days(date: &str, days: u32) -> Option<String> {
    parse_date(date)?
        .checked_add_days(chrono::Days::new(u64::from(days)))
        .map(format_date)
}

/// Days from `today` to `date` (negative once it passed).
pub fn days_until(date: &str, today: &str) -> Option<i64> {
    Some((parse_date(date)? - parse_date(today)?).num_days())
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

    #[test]
    fn dates_are_read_counted_and_moved() {
        assert_eq!(
            parse_date_field("d", " 2026-02-28 ").as_deref(),
            Ok("2026-02-28")
        );
        assert_eq!(parse_date_field("d", "28/02/2026").unwrap_err().field, "d");
        assert_eq!(add_days("2026-02-28", 1).as_deref(), Some("2026-03-01"));
        assert_eq!(days_until("2026-03-01", "2026-02-27"), Some(2));
        assert_eq!(days_until("2026-02-27", "2026-03-01"), Some(-2));
    }
}
