//! Bearer tokens: locally issued HS256 tokens and tokens from trusted external identity
//! providers, each verified with the one algorithm pinned to its key.

use std::num::NonZeroUsize;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lru::LruCache;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::{ExternalIdpSettings, Settings};
use crate::domain::roles::Role;

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;
const SECRET_FILE: &str = "jwt-secret";
const MAX_ORG_LEN: usize = 100;
/// How many verified tokens are remembered. A client sends the same token with every request,
/// and checking its signature and decoding its claims was a quarter of the CPU of
/// `GET /v1/vendors/{id}`.
const VERIFIED_TOKENS_KEPT: NonZeroUsize = NonZeroUsize::new(1024).unwrap();

#[derive(Debug, Serialize)]
struct IssuedClaims<'a> {
    sub: &'a str,
    org: &'a str,
    roles: Vec<&'static str>,
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    assessment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct TokenClaims {
    exp: u64,
    sub: String,
    org: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    assessment: Option<String>,
    jti: Option<String>,
}

/// The verified identity behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: String,
    pub org: String,
    pub roles: Vec<Role>,
    /// Set on vendor links: the one assessment the token opens, and the link's id.
    pub link: Option<LinkScope>,
}

/// What a vendor link token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkScope {
    pub assessment_id: String,
    pub link_id: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    AlgorithmNotAccepted,
    #[error("the token is invalid: {0}")]
    Invalid(String),
    #[error("the token has no usable organisation claim")]
    MissingOrg,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error("invalid setting external_idp[{index}]: {message}")]
    ExternalIdp { index: usize, message: String },
    #[error("cannot read or write the signing secret {path}: {source}")]
    SecretFile {
        path: String,
        source: std::io::Error,
    },
}

struct ExternalKey {
    algorithm: Algorithm,
    kid: Option<String>,
    key: DecodingKey,
    validation: Validation,
}

pub struct Authenticator {
    encoding: EncodingKey,
    decoding: DecodingKey,
    local_validation: Validation,
    issuer: String,
    audience: String,
    external: Vec<ExternalKey>,
    /// Tokens whose signature and claims passed, by their exact text, until they expire.
    verified: Mutex<LruCache<String, VerifiedToken>>,
}

struct VerifiedToken {
    principal: Principal,
    expires_at: u64,
}

impl VerifiedToken {
    /// A token that was valid once stays valid until `exp` (with the leeway): its `nbf` has
    /// already passed, and nothing else in it depends on the time.
    fn valid_at(&self, now: u64) -> bool {
        now <= self.expires_at.saturating_add(LEEWAY_SECONDS)
    }
}

fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut v = Validation::new(algorithm);
    v.leeway = LEEWAY_SECONDS;
    v.validate_nbf = true;
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v
}

/// The local signing secret: from settings, else from the data directory, generated (and
/// kept, readable by the owner only) the first time. The flag says it was just created.
pub fn load_or_create_secret(settings: &Settings) -> Result<(String, bool), AuthSetupError> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok((secret.clone(), false));
    }
    let path = settings.data_dir.join(SECRET_FILE);
    let io_error = |source| AuthSetupError::SecretFile {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(secret) if secret.trim().len() >= 32 => return Ok((secret.trim().to_owned(), false)),
        Ok(_) => {
            return Err(io_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file holds fewer than 32 characters",
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(e)),
    }
    std::fs::create_dir_all(&settings.data_dir).map_err(io_error)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    write_private_file(&path, &secret).map_err(io_error)?;
    Ok((secret, true))
}

fn write_private_file(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()
}

fn external_key(index: usize, idp: &ExternalIdpSettings) -> Result<ExternalKey, AuthSetupError> {
    let fail = |message: String| AuthSetupError::ExternalIdp { index, message };
    let algorithm = Algorithm::from_str(&idp.algorithm)
        .ok()
        .filter(|a| !matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        .ok_or_else(|| {
            fail(format!(
                "algorithm '{}' is not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA",
                idp.algorithm
            ))
        })?;
    let pem = match (&idp.public_key_pem, &idp.public_key_file) {
        (Some(pem), _) => pem.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .map_err(|e| fail(format!("cannot read {}: {e}", file.display())))?,
        (None, None) => return Err(fail("no public key".into())),
    };
    let key = match algorithm {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem.as_bytes()),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(pem.as_bytes()),
        _ => DecodingKey::from_rsa_pem(pem.as_bytes()),
    }
    .map_err(|e| fail(format!("public key does not fit {}: {e}", idp.algorithm)))?;
    Ok(ExternalKey {
        algorithm,
        kid: idp.kid.clone(),
        key,
        validation: validation(algorithm, &idp.issuer, &idp.audience),
    })
}

impl Authenticator {
    pub fn new(settings: &Settings, secret: &str) -> Result<Self, AuthSetupError> {
        let external = settings
            .external_idp
            .iter()
            .enumerate()
            .map(|(i, idp)| external_key(i, idp))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            local_validation: validation(
                Algorithm::HS256,
                &settings.jwt_issuer,
                &settings.jwt_audience,
            ),
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            external,
            verified: Mutex::new(LruCache::new(VERIFIED_TOKENS_KEPT)),
        })
    }

    fn verified(&self) -> MutexGuard<'_, LruCache<String, VerifiedToken>> {
        // The cache holds finished entries only; a panic elsewhere cannot leave one half-written.
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Signs a local token for `org` with `roles`, valid for `ttl_seconds`.
    pub fn issue(&self, subject: &str, org: &str, roles: &[Role], ttl_seconds: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = IssuedClaims {
            sub: subject,
            org,
            roles: roles.iter().map(|r| r.as_str()).collect(),
            iss: &self.issuer,
            aud: &self.audience,
            iat: now,
            nbf: now,
            exp: now + ttl_seconds,
            assessment: None,
            jti: None,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory secret cannot fail")
    }

    /// Signs a vendor link: role `vendor`, scoped to one assessment, identified by `link_id`
    /// so that it can be revoked, expiring at `expires_at` (Unix seconds).
    pub fn issue_vendor_link(
        &self,
        org: &str,
        assessment_id: &str,
        link_id: &str,
        expires_at: i64,
    ) -> String {
        let now = chrono::Utc::now().timestamp();
        let subject = format!("vendor-link:{link_id}");
        let claims = IssuedClaims {
            sub: &subject,
            org,
            roles: vec![Role::Vendor.as_str()],
            iss: &self.issuer,
            aud: &self.audience,
            iat: now,
            nbf: now,
            exp: expires_at,
            assessment: Some(assessment_id),
            jti: Some(link_id),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory secret cannot fail")
    }

    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(known) = self.verified().get(token) {
            if known.valid_at(now) {
                return Ok(known.principal.clone());
            }
        }
        let (principal, expires_at) = self.check(token)?;
        self.verified().put(
            token.to_owned(),
            VerifiedToken {
                principal: principal.clone(),
                expires_at,
            },
        );
        Ok(principal)
    }

    /// Checks the token's signature and claims; returns who it names and its `exp`.
    fn check(&self, token: &str) -> Result<(Principal, u64), AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        let invalid = |e: jsonwebtoken::errors::Error| AuthError::Invalid(e.to_string());
        let claims: TokenClaims = if header.alg == Algorithm::HS256 {
            jsonwebtoken::decode(token, &self.decoding, &self.local_validation)
                .map_err(invalid)?
                .claims
        } else {
            let mut candidates = self
                .external
                .iter()
                .filter(|k| k.algorithm == header.alg)
                .filter(|k| k.kid.is_none() || k.kid == header.kid)
                .peekable();
            if candidates.peek().is_none() {
                return Err(AuthError::AlgorithmNotAccepted);
            }
            let mut last_error = None;
            let mut verified = None;
            for candidate in candidates {
                match jsonwebtoken::decode::<TokenClaims>(
                    token,
                    &candidate.key,
                    &candidate.validation,
                ) {
                    Ok(data) => {
                        verified = Some(data.claims);
                        break;
                    }
                    Err(e) => last_error = Some(e),
                }
            }
            match verified {
                Some(claims) => claims,
                None => {
                    return Err(invalid(
                        last_error.expect("at least one candidate was tried"),
                    ))
                }
            }
        };
        let org = claims
            .org
            .filter(|o| {
                !o.trim().is_empty() && o.len() <= MAX_ORG_LEN && !o.chars().any(char::is_control)
            })
            .ok_or(AuthError::MissingOrg)?;
        let mut roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
        roles.dedup();
        // Only locally signed tokens can be vendor links; the database decides if one is live.
        let link = match (header.alg, claims.assessment, claims.jti) {
            (Algorithm::HS256, Some(assessment_id), Some(link_id)) => Some(LinkScope {
                assessment_id,
                link_id,
            }),
            _ => None,
        };
        let principal = Principal {
            subject: claims.sub,
            org,
            roles,
            link,
        };
        Ok((principal, claims.exp))
    }
}

/// Parses durations such as `90s`, `15m`, `12h`, `30d` (a bare number is seconds).
pub fn parse_ttl(value: &str) -> Result<i64, String> {
    let value = value.trim();
    let (digits, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => value.split_at(i),
        None => (value, "s"),
    };
    let amount: i64 = digits
        .parse()
        .map_err(|_| format!("'{value}' is not a duration such as 12h or 30d"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("'{value}' is not a duration such as 12h or 30d")),
    };
    let seconds = amount.saturating_mul(factor);
    if seconds <= 0 || seconds > 366 * 86_400 {
        return Err("must be between 1 second and 366 days".into());
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_parsing() {
        assert_eq!(parse_ttl("90").unwrap(), 90);
        assert_eq!(parse_ttl("12h").unwrap(), 43_200);
        assert_eq!(parse_ttl("30d").unwrap(), 2_592_000);
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("400d").is_err());
    }
}
