//! Connectors to ticketing systems: Jira Cloud (REST API v3) and ServiceNow (Table API).

use serde_json::Value;

use crate::domain::ticketing::{
    jira_created_key, jira_issue, servicenow_created, servicenow_record, TicketingKind,
};
use crate::service::tickets::PushPlan;
use crate::webhooks::guard::{describe, GuardedClient};

const DEFAULT_ISSUE_TYPE: &str = "Task";
const DEFAULT_TABLE: &str = "incident";

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Creates the ticket `plan` describes; returns its key (or number) and link.
pub async fn create_ticket(
    client: &GuardedClient,
    plan: &PushPlan,
) -> Result<(String, String), String> {
    let base = base(&plan.base_url);
    let (url, body) = match plan.kind {
        TicketingKind::Jira => (
            format!("{base}/rest/api/3/issue"),
            jira_issue(
                &plan.finding,
                plan.project_key.as_deref().unwrap_or_default(),
                plan.issue_type.as_deref().unwrap_or(DEFAULT_ISSUE_TYPE),
                &plan.mapping,
            ),
        ),
        TicketingKind::Servicenow => (
            format!(
                "{base}/api/now/table/{}",
                plan.table_name.as_deref().unwrap_or(DEFAULT_TABLE)
            ),
            servicenow_record(&plan.finding, &plan.mapping),
        ),
    };
    let response = client
        .post(&url)?
        .basic_auth(&plan.username, Some(&plan.credential))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| describe(&e))?;
    if !status.is_success() {
        let snippet: String = text.chars().take(300).collect();
        return Err(format!("{url} answered {status}: {snippet}"));
    }
    let answer: Value = serde_json::from_str(&text)
        .map_err(|_| format!("{url} answered {status} with a body that is not JSON"))?;
    match plan.kind {
        TicketingKind::Jira => {
            let key = jira_created_key(&answer)
                .ok_or_else(|| format!("{url} answered without an issue key"))?;
            let link = format!("{base}/browse/{key}");
            Ok((key, link))
        }
        TicketingKind::Servicenow => {
            let (number, sys_id) = servicenow_created(&answer)
                .ok_or_else(|| format!("{url} answered without a record number"))?;
            let table = plan.table_name.as_deref().unwrap_or(DEFAULT_TABLE);
            let link = format!("{base}/nav_to.do?uri={table}.do%3Fsys_id%3D{sys_id}");
            Ok((number, link))
        }
    }
}
