//! The outbound HTTP client every delivery and connector call goes through: it refuses
//! loopback, private, link-local and metadata addresses after DNS resolution and on every
//! redirect, unless the operator's allow-list opens them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhook::{check_url, literal_ip, AllowList};

const MAX_REDIRECTS: usize = 3;
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to addresses deliveries may not reach (loopback, private, link-local or metadata)")]
struct Refused {
    host: String,
}

struct GuardedResolver {
    allow: AllowList,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow.permits(a.ip()))
                .collect();
            if permitted.is_empty() {
                return Err(Box::new(Refused { host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// A client that only reaches permitted addresses.
pub fn client(allow: &AllowList, timeout: Duration) -> reqwest::Client {
    let redirect_allow = allow.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        if !matches!(attempt.url().scheme(), "http" | "https") {
            return attempt.error("redirect to a URL that is not http or https");
        }
        match literal_ip(attempt.url()) {
            Some(ip) if !redirect_allow.permits(ip) => attempt.error(format!(
                "redirect to {ip}, an address deliveries may not reach"
            )),
            _ => attempt.follow(),
        }
    });
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allow: allow.clone(),
        }))
        .redirect(policy)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("annexa/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds")
}

/// Checks a destination before it is stored: an http(s) URL whose host is not, or does not
/// resolve to, a refused address. A name that does not resolve now is accepted; every
/// delivery checks again.
pub async fn check_destination(raw: &str, allow: &AllowList) -> Result<url::Url, String> {
    let url = check_url(raw).map_err(str::to_owned)?;
    if let Some(ip) = literal_ip(&url) {
        if !allow.permits(ip) {
            return Err(format!(
                "{ip} is a loopback, private, link-local or metadata address"
            ));
        }
        return Ok(url);
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(
        CHECK_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    );
    if let Ok(Ok(found)) = lookup.await {
        if let Some(bad) = found.map(|a| a.ip()).find(|ip| !allow.permits(*ip)) {
            return Err(format!(
                "{host} resolves to {bad}, a loopback, private, link-local or metadata address"
            ));
        }
    }
    Ok(url)
}

/// The error and its causes on one line: reqwest's own message rarely says what failed.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
