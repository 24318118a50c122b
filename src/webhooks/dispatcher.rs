//! Delivers queued webhook events: leases endpoints with due deliveries, sends each endpoint's
//! deliveries in order, signed per Standard Webhooks, and records every attempt. Several
//! dispatchers (threads of one process or several processes) can run against one database.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::web;
use tokio::sync::Notify;

use super::guard;
use crate::config::WebhookSettings;
use crate::db::Pool;
use crate::domain::time;
use crate::domain::webhook::{parse_retry_after, signature_header};
use crate::service::tickets;
use crate::service::webhooks::{self as service, AttemptOutcome, Batch, Outgoing, Policy};

/// Endpoints served at once. Each is served by its own task, so one that hangs holds up only
/// its own queue while the others are claimed again as soon as their batch is recorded.
const ENDPOINTS_IN_FLIGHT: usize = 32;
/// Deliveries taken from one endpoint's queue per round.
const BATCH: i64 = 100;
/// Automatic ticket pushes per round.
const TICKETS_PER_ROUND: i64 = 10;
const SNIPPET_CHARS: usize = 500;
const SNIPPET_BYTES: usize = 4096;
/// Slack on a lease beyond the attempts it must cover.
const LEASE_MARGIN: Duration = Duration::from_secs(2);

pub struct Dispatcher {
    pool: Pool,
    settings: WebhookSettings,
    client: guard::GuardedClient,
    owner: String,
    in_flight: Cell<usize>,
    /// Signalled when an endpoint's batch is recorded, so its next batch need not wait for
    /// the poll interval.
    batch_done: Notify,
}

impl Dispatcher {
    pub fn new(pool: Pool, settings: WebhookSettings) -> Self {
        let client = guard::client(&settings.allow, settings.timeout);
        Self {
            pool,
            settings,
            client,
            owner: crate::db::new_id(),
            in_flight: Cell::new(0),
            batch_done: Notify::new(),
        }
    }

    /// How long a lease lasts: one attempt that times out, one that may follow, and slack.
    fn lease(&self) -> Duration {
        self.settings.timeout * 2 + LEASE_MARGIN
    }

    /// Runs rounds forever. After a round that found nothing to send it rests for
    /// `poll_interval`, or until a batch in flight is recorded, whichever comes first.
    pub async fn run(self: Rc<Self>) {
        loop {
            let sent = match self.round().await {
                Ok(sent) => sent,
                Err(cause) => {
                    tracing::warn!(error = %cause, "webhook dispatch round failed");
                    0
                }
            };
            if sent == 0 {
                let rest = std::pin::pin!(actix_web::rt::time::sleep(self.settings.poll_interval));
                let woken = std::pin::pin!(self.batch_done.notified());
                futures_util::future::select(rest, woken).await;
            }
        }
    }

    /// One round: claims what is due on endpoints not already in flight and starts sending
    /// each endpoint's batch on its own task; returns how many deliveries it took.
    pub async fn round(self: &Rc<Self>) -> Result<usize, String> {
        let free = ENDPOINTS_IN_FLIGHT.saturating_sub(self.in_flight.get());
        let mut taken = 0;
        if free > 0 {
            let pool = self.pool.clone();
            let owner = self.owner.clone();
            let lease = self.lease();
            let batches = web::block(move || {
                service::claim_batches(&pool, &owner, free as i64, BATCH, lease)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
            taken = batches.iter().map(|b| b.deliveries.len()).sum();
            for batch in batches {
                self.in_flight.set(self.in_flight.get() + 1);
                let dispatcher = Rc::clone(self);
                actix_web::rt::spawn(async move {
                    dispatcher.serve(batch).await;
                    dispatcher.in_flight.set(dispatcher.in_flight.get() - 1);
                    dispatcher.batch_done.notify_one();
                });
            }
        }
        Ok(taken + self.push_tickets().await?)
    }

    /// Creates the tickets automatic rules queued (and retries failed pushes).
    async fn push_tickets(&self) -> Result<usize, String> {
        let pool = self.pool.clone();
        let plans = web::block(move || tickets::claim_due(&pool, TICKETS_PER_ROUND))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let count = plans.len();
        for plan in plans {
            let result = crate::integrations::create_ticket(&self.client, &plan).await;
            let pool = self.pool.clone();
            let recorded = web::block(move || {
                tickets::record_push(&pool, &plan.org, &plan.finding.id, result)
            })
            .await;
            if !matches!(recorded, Ok(Ok(_))) {
                tracing::warn!("a ticket push was not recorded");
            }
        }
        Ok(count)
    }

    async fn serve(&self, batch: Batch) {
        let mut outcomes = Vec::with_capacity(batch.deliveries.len());
        let mut lease_ends = Instant::now() + self.lease();
        for (i, delivery) in batch.deliveries.iter().enumerate() {
            if lease_ends.saturating_duration_since(Instant::now())
                < self.settings.timeout + LEASE_MARGIN
            {
                let pool = self.pool.clone();
                let owner = self.owner.clone();
                let endpoint = batch.endpoint_id.clone();
                let remaining: Vec<String> = batch.deliveries[i..]
                    .iter()
                    .map(|d| d.delivery_id.clone())
                    .collect();
                let lease = self.lease();
                let extended = web::block(move || {
                    service::extend_lease(&pool, &owner, &endpoint, &remaining, lease)
                })
                .await;
                if !matches!(extended, Ok(Ok(true))) {
                    break;
                }
                lease_ends = Instant::now() + self.lease();
            }
            let outcome = self.send(&batch, delivery).await;
            let succeeded = outcome.succeeded();
            outcomes.push(outcome);
            if !succeeded {
                break;
            }
        }
        let pool = self.pool.clone();
        let owner = self.owner.clone();
        let schedule = self.settings.retry_schedule.clone();
        let disable_after = self.settings.disable_after;
        let recorded = web::block(move || {
            let policy = Policy {
                retry_schedule: &schedule,
                disable_after,
            };
            service::record_batch(&pool, &owner, &batch, &outcomes, &policy)
        })
        .await;
        match recorded {
            Ok(Ok(())) => {}
            Ok(Err(cause)) => tracing::warn!(error = %cause, "webhook attempts not recorded"),
            Err(cause) => tracing::warn!(error = %cause, "webhook attempts not recorded"),
        }
    }

    async fn send(&self, batch: &Batch, delivery: &Outgoing) -> AttemptOutcome {
        let attempted_at = time::now();
        let started = Instant::now();
        let mut outcome = AttemptOutcome {
            delivery_id: delivery.delivery_id.clone(),
            attempt: delivery.attempt,
            attempted_at,
            status_code: None,
            latency_ms: 0,
            response_snippet: None,
            error: None,
            retry_after: None,
        };
        let request = match self.client.post(&batch.url) {
            Ok(request) => request,
            Err(refused) => {
                outcome.error = Some(refused);
                return outcome;
            }
        };
        let timestamp = chrono::Utc::now().timestamp();
        let secrets: Vec<&str> = batch.secrets.iter().map(String::as_str).collect();
        let signature = signature_header(
            &secrets,
            &delivery.webhook_id,
            timestamp,
            delivery.body.as_bytes(),
        );
        let response = request
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.body.clone())
            .send()
            .await;
        match response {
            Ok(mut response) => {
                outcome.status_code = Some(response.status().as_u16());
                outcome.retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
                let mut bytes = Vec::new();
                while bytes.len() < SNIPPET_BYTES {
                    match response.chunk().await {
                        Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                let text: String = String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(SNIPPET_CHARS)
                    .collect();
                outcome.response_snippet = (!text.is_empty()).then_some(text);
            }
            Err(error) => outcome.error = Some(guard::describe(&error)),
        }
        outcome.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        outcome
    }
}

/// Starts a dispatcher on the current runtime unless this process does not dispatch.
pub fn spawn(pool: Pool, settings: WebhookSettings) {
    if !settings.dispatch {
        return;
    }
    let dispatcher = Rc::new(Dispatcher::new(pool, settings));
    actix_web::rt::spawn(dispatcher.run());
}
