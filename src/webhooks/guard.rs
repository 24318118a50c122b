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

fn refused_literal(url: &url::Url, allow: &AllowList) -> Option<String> {
    literal_ip(url)
        .filter(|ip| !allow.permits(*ip))
        .map(|ip| format!("{ip} is a loopback, private, link-local or metadata address"))
}

/// The only way out: an HTTP client that reaches permitted addresses alone. Names are checked
/// after resolution, IP literals before sending, redirects before following.
#[derive(Clone)]
pub struct GuardedClient {
    inner: reqwest::Client,
    allow: AllowList,
}

impl GuardedClient {
    /// A POST to `url`, or why it is refused.
    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, String> {
        let parsed = check_url(url).map_err(|m| format!("{url} {m}"))?;
        if let Some(refused) = refused_literal(&parsed, &self.allow) {
            return Err(format!("{refused}; calls there are refused unless allowed"));
        }
        Ok(self.inner.post(parsed))
    }
}

/// A guarded client whose calls give up after `timeout`.
pub fn client(allow: &AllowList, timeout: Duration) -> GuardedClient {
    let redirect_allow = allow.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        if !matches!(attempt.url().scheme(), "http" | "https") {
            return attempt.error("redirect to a URL that is not http or https");
        }
        match refused_literal(attempt.url(), &redirect_allow) {
            Some(refused) => attempt.error(format!("redirect refused: {refused}")),
            None => attempt.follow(),
        }
    });
    let inner = reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allow: allow.clone(),
        }))
        .redirect(policy)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("annexa/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds");
    GuardedClient {
        inner,
        allow: allow.clone(),
    }
}

/// Checks a destination before it is stored: an http(s) URL whose host is not, or does not
/// resolve to, a refused address. A name that does not resolve now is accepted; every
/// delivery checks again.
pub async fn check_destination(raw: &str, allow: &AllowList) -> Result<url::Url, String> {
    let url = check_url(raw).map_err(str::to_owned)?;
    if literal_ip(&url).is_some() {
        return match refused_literal(&url, allow) {
            Some(refused) => Err(refused),
            None => Ok(url),
        };
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
