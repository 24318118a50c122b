//! Ticketing connectors: what a Jira Cloud issue or a ServiceNow record made from a finding
//! looks like, how their answers and webhooks are read, and the settings of a connection.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::finding::{Finding, Severity};
use super::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketingKind {
    /// Jira Cloud, REST API v3.
    Jira,
    /// ServiceNow Table API.
    Servicenow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a2d0-0000-7000-8000-000000000001",
    "name": "Jira GRC project",
    "kind": "jira",
    "base_url": "https://acme.atlassian.net",
    "username": "grc-bot@acme.com",
    "has_credential": true,
    "project_key": "GRC",
    "issue_type": "Task",
    "table_name": null,
    "field_mapping": {"labels": ["annexa"]},
    "auto_push_severity": "high",
    "version": 1,
    "created_at": "2026-11-25T09:00:00.000000Z",
    "updated_at": "2026-11-25T09:00:00.000000Z"
}))]
pub struct TicketingIntegration {
    pub id: String,
    pub name: String,
    pub kind: TicketingKind,
    pub base_url: String,
    /// Jira: the Atlassian account email; ServiceNow: the user name.
    pub username: String,
    /// The API token or password is stored and never returned.
    pub has_credential: bool,
    /// Jira project key.
    pub project_key: Option<String>,
    /// Jira issue type name (default `Task`).
    pub issue_type: Option<String>,
    /// ServiceNow table (default `incident`).
    pub table_name: Option<String>,
    /// Extra fields set on every ticket (Jira `fields`, ServiceNow columns).
    #[schema(value_type = Object)]
    pub field_mapping: Value,
    /// Findings at least this severe are pushed automatically when raised.
    pub auto_push_severity: Option<Severity>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A connection with the secret inbound ticket webhooks must carry: shown at creation only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketingWithSecret {
    #[serde(flatten)]
    pub integration: TicketingIntegration,
    /// Put in Jira's webhook secret (annexa checks `X-Hub-Signature`), or send as
    /// `X-Annexa-Token` from a ServiceNow business rule.
    pub inbound_secret: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketingFields {
    pub name: String,
    pub kind: TicketingKind,
    pub base_url: String,
    pub username: String,
    /// `None` on update keeps the stored one.
    pub credential: Option<String>,
    pub project_key: Option<String>,
    pub issue_type: Option<String>,
    pub table_name: Option<String>,
    pub field_mapping: Map<String, Value>,
    pub auto_push_severity: Option<Severity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Waiting to be created (automatic pushes, or a failed attempt to retry).
    Pending,
    Created,
}

/// The ticket a finding was pushed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FindingTicket {
    pub integration_id: String,
    pub status: TicketStatus,
    /// Jira issue key or ServiceNow number.
    #[schema(example = "GRC-42")]
    pub key: Option<String>,
    #[schema(example = "https://acme.atlassian.net/browse/GRC-42")]
    pub url: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A Jira project key: an upper-case letter, then upper-case letters, digits or `_`.
pub fn check_project_key(key: &str) -> Result<(), FieldError> {
    let ok = key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    ok.then_some(()).ok_or_else(|| {
        FieldError::new(
            "project_key",
            "pattern",
            "must be a Jira project key such as GRC",
        )
    })
}

/// A ServiceNow table name: a lower-case letter, then lower-case letters, digits or `_`.
pub fn check_table_name(table: &str) -> Result<(), FieldError> {
    let ok = table.starts_with(|c: char| c.is_ascii_lowercase())
        && table
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    ok.then_some(()).ok_or_else(|| {
        FieldError::new(
            "table_name",
            "pattern",
            "must be a ServiceNow table name such as incident",
        )
    })
}

fn title(finding: &Finding) -> String {
    format!("[annexa] {}", finding.title)
}

fn description_lines(finding: &Finding) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(description) = &finding.description {
        lines.push(description.clone());
    }
    lines.push(format!("Severity: {}", severity_text(finding.severity)));
    if let Some(control) = &finding.control_id {
        lines.push(format!("Control: {control}"));
    }
    if let Some(due) = &finding.due_date {
        lines.push(format!("Due: {due}"));
    }
    lines.push(format!("annexa finding {}", finding.id));
    lines
}

fn severity_text(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// The body of Jira Cloud's `POST /rest/api/3/issue`: the description is an Atlassian Document
/// Format document, one paragraph per line.
pub fn jira_issue(
    finding: &Finding,
    project_key: &str,
    issue_type: &str,
    mapping: &Map<String, Value>,
) -> Value {
    let paragraphs: Vec<Value> = description_lines(finding)
        .into_iter()
        .map(|line| json!({ "type": "paragraph", "content": [{ "type": "text", "text": line }] }))
        .collect();
    let mut fields = Map::new();
    fields.insert("project".into(), json!({ "key": project_key }));
    fields.insert("summary".into(), json!(title(finding)));
    fields.insert("issuetype".into(), json!({ "name": issue_type }));
    fields.insert(
        "description".into(),
        json!({ "type": "doc", "version": 1, "content": paragraphs }),
    );
    for (key, value) in mapping {
        fields.insert(key.clone(), value.clone());
    }
    json!({ "fields": fields })
}

/// The issue key Jira answers a create with.
pub fn jira_created_key(answer: &Value) -> Option<String> {
    answer["key"].as_str().map(str::to_owned)
}

/// The body of a ServiceNow Table API insert.
pub fn servicenow_record(finding: &Finding, mapping: &Map<String, Value>) -> Value {
    // ServiceNow's impact and urgency run from 1 (high) to 3 (low).
    let level = match finding.severity {
        Severity::Critical | Severity::High => "1",
        Severity::Medium => "2",
        Severity::Low => "3",
    };
    let mut record = Map::new();
    record.insert("short_description".into(), json!(title(finding)));
    record.insert(
        "description".into(),
        json!(description_lines(finding).join("\n")),
    );
    record.insert("impact".into(), json!(level));
    record.insert("urgency".into(), json!(level));
    record.insert("correlation_id".into(), json!(finding.id));
    for (key, value) in mapping {
        record.insert(key.clone(), value.clone());
    }
    Value::Object(record)
}

/// The number and sys_id ServiceNow answers an insert with.
pub fn servicenow_created(answer: &Value) -> Option<(String, String)> {
    let result = &answer["result"];
    Some((
        result["number"].as_str()?.to_owned(),
        result["sys_id"].as_str()?.to_owned(),
    ))
}

/// What an inbound ticket update means for its finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketChange {
    Resolved,
    InProgress,
    /// Nothing annexa acts on.
    Other,
}

/// A Jira `jira:issue_updated` webhook: the issue key and what its status category says.
pub fn jira_update(body: &Value) -> Option<(String, TicketChange)> {
    if body["webhookEvent"].as_str()? != "jira:issue_updated" {
        return None;
    }
    let issue = &body["issue"];
    let key = issue["key"].as_str()?.to_owned();
    let category = issue["fields"]["status"]["statusCategory"]["key"].as_str();
    let change = match category {
        Some("done") => TicketChange::Resolved,
        Some("indeterminate") => TicketChange::InProgress,
        _ => TicketChange::Other,
    };
    Some((key, change))
}

/// A ServiceNow business-rule post: `number` and `state` (6 Resolved, 7 Closed, 2 In
/// Progress, by number or label).
pub fn servicenow_update(body: &Value) -> Option<(String, TicketChange)> {
    let number = body["number"].as_str()?.to_owned();
    let state = match &body["state"] {
        Value::String(s) => s.to_ascii_lowercase(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let change = match state.as_str() {
        "6" | "7" | "resolved" | "closed" => TicketChange::Resolved,
        "2" | "in progress" | "in_progress" => TicketChange::InProgress,
        _ => TicketChange::Other,
    };
    Some((number, change))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::finding::{FindingSource, FindingStatus};

    fn finding() -> Finding {
        Finding {
            id: "f-1".into(),
            vendor_id: "v-1".into(),
            control_id: Some("iso42001:A.10.3".into()),
            source: FindingSource::Manual,
            title: "No DPA".into(),
            description: Some("Sign a DPA".into()),
            severity: Severity::High,
            owner: None,
            due_date: Some("2026-12-01".into()),
            status: FindingStatus::Open,
            status_reason: None,
            risk_accepted_until: None,
            risk_accepted_by: None,
            created_by: "me".into(),
            version: 1,
            created_at: "t".into(),
            updated_at: "t".into(),
            resolved_at: None,
        }
    }

    #[test]
    fn jira_issues_carry_an_adf_description_and_the_mapping() {
        let mut mapping = Map::new();
        mapping.insert("labels".into(), json!(["annexa"]));
        let body = jira_issue(&finding(), "GRC", "Task", &mapping);
        assert_eq!(body["fields"]["project"]["key"], "GRC");
        assert_eq!(body["fields"]["summary"], "[annexa] No DPA");
        assert_eq!(body["fields"]["description"]["type"], "doc");
        assert_eq!(
            body["fields"]["description"]["content"][0]["content"][0]["text"],
            "Sign a DPA"
        );
        assert_eq!(body["fields"]["labels"], json!(["annexa"]));
        assert_eq!(
            jira_created_key(&json!({"id": "1", "key": "GRC-7"})),
            Some("GRC-7".into())
        );
    }

    #[test]
    fn project_keys_and_table_names_are_checked() {
        assert!(check_project_key("GRC_2").is_ok());
        assert_eq!(check_project_key("grc").unwrap_err().field, "project_key");
        assert!(check_table_name("u_ai_findings").is_ok());
        assert_eq!(
            check_table_name("Bad Table").unwrap_err().field,
            "table_name"
        );
    }

    #[test]
    fn servicenow_records_rank_impact_by_severity() {
        let body = servicenow_record(&finding(), &Map::new());
        assert_eq!(body["impact"], "1");
        assert_eq!(body["correlation_id"], "f-1");
        assert_eq!(
            servicenow_created(&json!({"result": {"number": "INC0010001", "sys_id": "abc"}})),
            Some(("INC0010001".into(), "abc".into()))
        );
    }

    #[test]
    fn ticket_updates_are_read_from_both_systems() {
        let jira = json!({"webhookEvent": "jira:issue_updated", "issue": {"key": "GRC-7",
            "fields": {"status": {"statusCategory": {"key": "done"}}}}});
        assert_eq!(
            jira_update(&jira),
            Some(("GRC-7".into(), TicketChange::Resolved))
        );
        assert_eq!(
            jira_update(&json!({"webhookEvent": "jira:issue_created"})),
            None
        );
        assert_eq!(
            servicenow_update(&json!({"number": "INC1", "state": "6"})),
            Some(("INC1".into(), TicketChange::Resolved))
        );
        assert_eq!(
            servicenow_update(&json!({"number": "INC1", "state": 2})),
            Some(("INC1".into(), TicketChange::InProgress))
        );
    }
}
