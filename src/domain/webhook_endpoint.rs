//! Webhook endpoints and their deliveries, as the API shows them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::events;
use super::FieldError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a2b0-7c1e-7d2a-9f3e-5b8c4d2e1f00",
    "url": "https://hooks.example.com/annexa",
    "description": "Procurement system",
    "event_types": ["vendor.status_changed", "procurement.decision"],
    "enabled": true,
    "disabled_reason": null,
    "failing_since": null,
    "previous_secret_expires_at": null,
    "version": 1,
    "created_at": "2026-11-25T09:00:00.000000Z",
    "updated_at": "2026-11-25T09:00:00.000000Z"
}))]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// Event types delivered here; empty means every event.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why annexa disabled the endpoint (`gone`: it answered 410; `failing`: it kept failing).
    pub disabled_reason: Option<String>,
    /// Start of the current run of failed attempts.
    pub failing_since: Option<String>,
    /// Until when the secret replaced by the last rotation still signs deliveries.
    pub previous_secret_expires_at: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// An endpoint with its signing secret: returned at creation and rotation only.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a2b0-7c1e-7d2a-9f3e-5b8c4d2e1f00",
    "url": "https://hooks.example.com/annexa",
    "description": "Procurement system",
    "event_types": [],
    "enabled": true,
    "disabled_reason": null,
    "failing_since": null,
    "previous_secret_expires_at": null,
    "version": 1,
    "created_at": "2026-11-25T09:00:00.000000Z",
    "updated_at": "2026-11-25T09:00:00.000000Z",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwq0f5dzMp1A8="
}))]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// Standard Webhooks signing secret; shown this once.
    pub secret: String,
}

/// A validated endpoint definition.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointFields {
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<String>,
    pub enabled: bool,
}

/// Event type names, each from the catalog, without repeats.
pub fn check_event_types(types: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, name) in types.iter().enumerate() {
        let name = name.trim();
        if events::find(name).is_none() {
            errors.push(FieldError::new(
                format!("event_types[{i}]"),
                "unknown",
                format!("'{name}' is not an event type (see GET /v1/event-types)"),
            ));
        } else if !seen.iter().any(|s| s == name) {
            seen.push(name.to_owned());
        }
    }
    if errors.is_empty() {
        Ok(seen)
    } else {
        Err(errors)
    }
}

/// Whether an endpoint subscribed to `subscribed` (empty = all) receives `event_type`.
pub fn subscribes(subscribed: &[String], event_type: &str) -> bool {
    subscribed.is_empty() || subscribed.iter().any(|s| s == event_type)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// Being sent right now.
    InFlight,
    Succeeded,
    /// Every scheduled attempt failed; replay it to try again.
    Failed,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub attempt: i64,
    pub attempted_at: String,
    /// The HTTP status the endpoint answered, if it answered.
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    /// The first 500 characters of the response body.
    pub response_snippet: Option<String>,
    /// Why no answer came (timeout, refused address, connection error).
    pub error: Option<String>,
    pub succeeded: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a2b1-0000-7000-8000-000000000001",
    "webhook_id": "0193a2b1-0000-7000-8000-0000000000aa",
    "event_type": "vendor.created",
    "status": "succeeded",
    "attempts": 1,
    "next_attempt_at": null,
    "last_status_code": 200,
    "replay_of": null,
    "created_at": "2026-11-25T09:00:00.000000Z",
    "completed_at": "2026-11-25T09:00:00.120000Z",
    "attempt_log": [{"attempt": 1, "attempted_at": "2026-11-25T09:00:00.100000Z", "status_code": 200, "latency_ms": 20, "response_snippet": "ok", "error": null, "succeeded": true}]
}))]
pub struct Delivery {
    pub id: String,
    /// The `webhook-id` header: the event's id, the same on every attempt and replay.
    pub webhook_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// When the next attempt is due, while the delivery is pending.
    pub next_attempt_at: Option<String>,
    pub last_status_code: Option<i64>,
    /// The delivery this one replays.
    pub replay_of: Option<String>,
    pub created_at: String,
    pub completed_at: Option<String>,
    pub attempt_log: Vec<DeliveryAttempt>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_event_types_are_named() {
        let errors =
            check_event_types(&["vendor.created".into(), "vendor.exploded".into()]).unwrap_err();
        assert_eq!(errors[0].field, "event_types[1]");
        assert_eq!(
            check_event_types(&["vendor.created".into(), "vendor.created".into()]).unwrap(),
            vec!["vendor.created".to_owned()]
        );
    }

    #[test]
    fn an_empty_subscription_takes_everything() {
        assert!(subscribes(&[], "vendor.created"));
        assert!(subscribes(&["vendor.created".into()], "vendor.created"));
        assert!(!subscribes(&["vendor.created".into()], "finding.created"));
    }
}
