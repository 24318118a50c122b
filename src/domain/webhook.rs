//! Webhook rules: Standard Webhooks signatures (sending and verifying), signing secrets, the
//! retry schedule, and which addresses deliveries may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use rand::RngCore;
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
/// How far a signed inbound message's timestamp may be from now.
pub const TIMESTAMP_TOLERANCE_SECONDS: i64 = 5 * 60;
const SECRET_BYTES: usize = 32;
/// Longest `Retry-After` honoured; a receiver asking for more waits this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", BASE64.encode(bytes))
}

fn secret_key(secret: &str) -> Option<Vec<u8>> {
    BASE64
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()
}

fn mac(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// `v1,<base64 HMAC-SHA256 of id.timestamp.body>`; `None` when the secret is not base64.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = secret_key(secret)?;
    let digest = mac(&key, msg_id, timestamp, body).finalize().into_bytes();
    Some(format!("v1,{}", BASE64.encode(digest)))
}

/// The `webhook-signature` header: one signature per live secret, space-separated.
pub fn signature_header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|secret| sign(secret, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("webhook-timestamp is not a Unix time in seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is more than five minutes from now")]
    Stale,
    #[error("no signature in webhook-signature matches the message")]
    BadSignature,
}

/// The three Standard Webhooks headers of an inbound message.
pub struct SignedHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// Checks an inbound message against `secret` at time `now` (Unix seconds).
pub fn verify(
    secret: &str,
    headers: &SignedHeaders<'_>,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let id = headers.id.ok_or(VerifyError::Missing("webhook-id"))?;
    let timestamp = headers
        .timestamp
        .ok_or(VerifyError::Missing("webhook-timestamp"))?;
    let signatures = headers
        .signature
        .ok_or(VerifyError::Missing("webhook-signature"))?;
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    if (now - timestamp).abs() > TIMESTAMP_TOLERANCE_SECONDS {
        return Err(VerifyError::Stale);
    }
    let key = secret_key(secret).ok_or(VerifyError::BadSignature)?;
    let expected = mac(&key, id, timestamp, body);
    let matches = signatures
        .split(' ')
        .filter_map(|s| s.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, value)| BASE64.decode(value).ok())
        .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
    if matches {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// `sha256=<hex HMAC-SHA256 of body>`, the form Jira Cloud and GitHub sign webhooks with.
pub fn verify_hub_signature(secret: &str, header: &str, body: &[u8]) -> bool {
    let Some(hex_digest) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(candidate) = hex::decode(hex_digest) else {
        return false;
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&candidate).is_ok()
}

/// Compares two secrets without leaking where they differ.
pub fn same_secret(expected: &str, given: &str) -> bool {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(b"annexa-compare").expect("HMAC takes keys of any length");
    mac.update(expected.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut other =
        Hmac::<Sha256>::new_from_slice(b"annexa-compare").expect("HMAC takes keys of any length");
    other.update(given.as_bytes());
    other.verify_slice(&digest).is_ok()
}

/// When to try again after `failed_attempts` failures, or `None` once the schedule is spent.
/// `jitter` in [0, 1) spreads retries by ±20% so that receivers coming back are not stampeded;
/// a receiver's `Retry-After` is honoured when it asks for longer (up to a day).
pub fn next_delay(
    schedule: &[Duration],
    failed_attempts: usize,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Option<Duration> {
    let base = *schedule.get(failed_attempts.checked_sub(1)?)?;
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    let jittered = base.mul_f64(factor);
    Some(match retry_after {
        Some(asked) => jittered.max(asked.min(MAX_RETRY_AFTER)),
        None => jittered,
    })
}

/// Whether an endpoint failing since `since` (an RFC 3339 time) has failed for `limit` by `now`:
/// then it is disabled.
pub fn failing_for_at_least(
    since: &str,
    now: chrono::DateTime<chrono::Utc>,
    limit: Duration,
) -> bool {
    chrono::DateTime::parse_from_rfc3339(since).is_ok_and(|since| {
        (now - since.with_timezone(&chrono::Utc))
            .to_std()
            .is_ok_and(|failing| failing >= limit)
    })
}

/// A `Retry-After` value: delay seconds or an HTTP date, relative to `now`.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = at.with_timezone(&chrono::Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// Addresses deliveries refuse unless allowed: loopback, private, link-local (cloud metadata
/// lives there), shared, multicast, reserved and unspecified ranges, also inside IPv6 forms.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        return forbidden_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00
        || (segments[0] & 0xffc0) == 0xfe80
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
}

/// Ranges an operator opened for deliveries despite [`is_forbidden`], e.g. an internal
/// ticketing host or a test receiver on loopback.
#[derive(Debug, Clone, Default)]
pub struct AllowList(Vec<IpNet>);

impl AllowList {
    /// Parses `10.0.0.0/8`, `127.0.0.1` or `::1` entries.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("'{entry}' is not an IP address or CIDR range"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(AllowList)
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_forbidden(ip) || self.0.iter().any(|net| net.contains(&ip))
    }
}

/// Why a webhook or connector URL cannot be used.
pub fn check_url(raw: &str) -> Result<url::Url, &'static str> {
    if raw.len() > 2000 {
        return Err("must be at most 2000 characters");
    }
    let url = url::Url::parse(raw.trim()).map_err(|_| "is not an absolute URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL");
    }
    if url.host().is_none() {
        return Err("must name a host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials");
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment");
    }
    Ok(url)
}

/// The URL's host when it is an IP literal.
pub fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector published with the Standard Webhooks specification.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn spec_headers(signature: &str) -> SignedHeaders<'_> {
        SignedHeaders {
            id: Some(SPEC_ID),
            timestamp: Some("1614265330"),
            signature: Some(signature),
        }
    }

    #[test]
    fn signs_the_specification_test_vector() {
        assert_eq!(
            sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).unwrap(),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn verifies_the_specification_test_vector() {
        assert_eq!(
            verify(
                SPEC_SECRET,
                &spec_headers(SPEC_SIGNATURE),
                SPEC_BODY,
                SPEC_TIMESTAMP + 10
            ),
            Ok(())
        );
        let several = format!("v1,bm90IHRoaXM= {SPEC_SIGNATURE}");
        assert_eq!(
            verify(
                SPEC_SECRET,
                &spec_headers(&several),
                SPEC_BODY,
                SPEC_TIMESTAMP
            ),
            Ok(())
        );
    }

    #[test]
    fn rejects_tampering_staleness_and_missing_headers() {
        assert_eq!(
            verify(
                SPEC_SECRET,
                &spec_headers(SPEC_SIGNATURE),
                br#"{"test": 2432232315}"#,
                SPEC_TIMESTAMP
            ),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(
                SPEC_SECRET,
                &spec_headers(SPEC_SIGNATURE),
                SPEC_BODY,
                SPEC_TIMESTAMP + 301
            ),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify(
                SPEC_SECRET,
                &SignedHeaders {
                    id: Some(SPEC_ID),
                    timestamp: None,
                    signature: Some(SPEC_SIGNATURE)
                },
                SPEC_BODY,
                SPEC_TIMESTAMP
            ),
            Err(VerifyError::Missing("webhook-timestamp"))
        );
        assert_eq!(
            verify(
                SPEC_SECRET,
                &spec_headers("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
                SPEC_BODY,
                SPEC_TIMESTAMP
            ),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn generated_secrets_sign() {
        let secret = generate_secret();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(secret_key(&secret).unwrap().len(), 32);
        let header = signature_header(&[&secret, SPEC_SECRET], "m", 1, b"{}");
        assert_eq!(header.split(' ').count(), 2);
    }

    #[test]
    fn retry_delays_follow_the_schedule_with_jitter() {
        let schedule = [Duration::from_secs(10), Duration::from_secs(100)];
        assert_eq!(next_delay(&schedule, 0, None, 0.5), None);
        assert_eq!(
            next_delay(&schedule, 1, None, 0.5),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            next_delay(&schedule, 2, None, 0.0),
            Some(Duration::from_secs(80))
        );
        assert_eq!(next_delay(&schedule, 3, None, 0.5), None);
        assert_eq!(
            next_delay(&schedule, 1, Some(Duration::from_secs(60)), 0.5),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            next_delay(&schedule, 1, Some(Duration::from_secs(10 * 86_400)), 0.5),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn endpoints_are_disabled_once_failing_for_the_limit() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let day = Duration::from_secs(86_400);
        assert!(failing_for_at_least(
            "2026-11-24T12:00:00.000000Z",
            now,
            day
        ));
        assert!(!failing_for_at_least(
            "2026-11-24T12:00:01.000000Z",
            now,
            day
        ));
        assert!(!failing_for_at_least("not a time", now, day));
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn private_and_metadata_addresses_are_forbidden() {
        for forbidden in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(is_forbidden(forbidden.parse().unwrap()), "{forbidden}");
        }
        for public in ["93.184.216.34", "2606:4700::6810:84e5", "8.8.8.8"] {
            assert!(!is_forbidden(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn the_allow_list_opens_named_ranges_only() {
        let allow = AllowList::parse(&["127.0.0.1".into(), "10.0.0.0/8".into()]).unwrap();
        assert!(allow.permits("127.0.0.1".parse().unwrap()));
        assert!(allow.permits("10.9.9.9".parse().unwrap()));
        assert!(!allow.permits("127.0.0.2".parse().unwrap()));
        assert!(!allow.permits("169.254.169.254".parse().unwrap()));
        assert!(AllowList::parse(&["nowhere".into()]).is_err());
    }

    #[test]
    fn urls_must_be_plain_http() {
        assert!(check_url("https://hooks.example.com/annexa").is_ok());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("https://user:pw@example.com/").is_err());
        assert!(check_url("not a url").is_err());
        assert_eq!(
            literal_ip(&check_url("http://169.254.169.254/latest").unwrap()),
            Some("169.254.169.254".parse().unwrap())
        );
    }

    #[test]
    fn hub_signatures_and_secret_comparison() {
        let body = br#"{"webhookEvent":"jira:issue_updated"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(body);
        let header = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert!(verify_hub_signature("s3cret", &header, body));
        assert!(!verify_hub_signature("other", &header, body));
        assert!(!verify_hub_signature("s3cret", "sha1=abc", body));
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
    }
}
