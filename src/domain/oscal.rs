//! OSCAL 1.1.2 JSON exports: a framework as a catalog, a tier's profile as a profile that
//! imports the catalogs its controls come from.
//!
//! OSCAL ids are tokens (a letter or `_`, then letters, digits, `.`, `-`, `_`), so a control's
//! reference is turned into one the same way in catalogs and profiles: `GOVERN 6.1` becomes
//! `GOVERN-6.1`, `Art. 25(4)` becomes `Art.-25-4`. The control's annexa id and its reference
//! are kept as properties.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use super::catalog::{Control, ControlProfile, Framework};

pub const OSCAL_VERSION: &str = "1.1.2";
/// Namespace of annexa's own OSCAL properties.
pub const NAMESPACE: &str = "urn:annexa:oscal";

/// The OSCAL token for a reference: runs of other characters become one `-`, and a token that
/// would not start with a letter gets a leading `_`.
pub fn token(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len());
    let mut gap = false;
    for c in reference.chars() {
        if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Where a framework's catalog is served, for links and profile imports.
pub fn catalog_href(framework_id: &str) -> String {
    format!("/v1/frameworks/{framework_id}/oscal")
}

fn metadata(title: &str, last_modified: &str, version: &str, props: Vec<Value>) -> Value {
    json!({
        "title": title,
        "last-modified": last_modified,
        "version": version,
        "oscal-version": OSCAL_VERSION,
        "props": props,
    })
}

fn annexa_prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NAMESPACE, "value": value })
}

/// One document instance: a fresh UUID, the time and annexa's version.
pub struct Stamp<'a> {
    /// A UUIDv4.
    pub uuid: &'a str,
    pub last_modified: &'a str,
    pub version: &'a str,
}

fn control_entry(control: &Control, related: &[Control], ids: &mut HashSet<String>) -> Value {
    let id = token(&control.reference);
    ids.insert(id.clone());
    let mut entry = json!({
        "id": id,
        "title": control.title,
        "props": [
            { "name": "label", "value": control.reference },
            annexa_prop("annexa-id", &control.id),
        ],
    });
    if let Some(description) = &control.description {
        entry["parts"] =
            json!([{ "id": format!("{id}_smt"), "name": "statement", "prose": description }]);
    }
    if !related.is_empty() {
        let links: Vec<Value> = related
            .iter()
            .map(|r| {
                let fragment = token(&r.reference);
                let href = if r.framework == control.framework {
                    format!("#{fragment}")
                } else {
                    format!("{}#{fragment}", catalog_href(&r.framework))
                };
                json!({ "href": href, "rel": "related", "text": r.id })
            })
            .collect();
        entry["links"] = json!(links);
    }
    entry
}

/// A framework's controls as an OSCAL catalog, grouped as the framework groups them, each
/// control linking to the controls the crosswalk relates it to.
pub fn catalog(
    framework: &Framework,
    controls: &[Control],
    related: &HashMap<String, Vec<Control>>,
    stamp: &Stamp<'_>,
) -> Value {
    let mut ids = HashSet::new();
    let mut groups: Vec<(String, String, Vec<Value>)> = Vec::new();
    for control in controls {
        let entry = control_entry(
            control,
            related.get(&control.id).map(Vec::as_slice).unwrap_or(&[]),
            &mut ids,
        );
        match groups.last_mut() {
            Some((group_ref, _, entries)) if *group_ref == control.group_ref => entries.push(entry),
            _ => groups.push((
                control.group_ref.clone(),
                control.group_title.clone(),
                vec![entry],
            )),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group_ref, title, controls)| {
            let mut id = token(&group_ref);
            while ids.contains(&id) {
                id.push_str("-group");
            }
            ids.insert(id.clone());
            json!({
                "id": id,
                "title": title,
                "props": [{ "name": "label", "value": group_ref }],
                "controls": controls,
            })
        })
        .collect();
    let mut metadata = metadata(
        &framework.name,
        stamp.last_modified,
        stamp.version,
        vec![annexa_prop("annexa-framework", &framework.id)],
    );
    metadata["remarks"] = json!(framework.description);
    let mut catalog = json!({ "uuid": stamp.uuid, "metadata": metadata });
    if !groups.is_empty() {
        catalog["groups"] = json!(groups);
    }
    json!({ "catalog": catalog })
}

/// A tier's profile: one import per framework its controls come from, in profile order. A
/// profile is never empty (clearing an organisation's profile reverts to the default).
pub fn profile(profile: &ControlProfile, stamp: &Stamp<'_>) -> Value {
    let mut imports: Vec<(String, Vec<String>)> = Vec::new();
    for control in &profile.controls {
        let id = token(&control.reference);
        match imports.iter_mut().find(|(f, _)| *f == control.framework) {
            Some((_, ids)) => ids.push(id),
            None => imports.push((control.framework.clone(), vec![id])),
        }
    }
    let imports: Vec<Value> = imports
        .into_iter()
        .map(|(framework, ids)| {
            json!({
                "href": catalog_href(&framework),
                "include-controls": [{ "with-ids": ids }],
            })
        })
        .collect();
    let tier = profile.tier.as_str();
    let metadata = metadata(
        &format!("Controls required of {tier}-tier AI vendors"),
        stamp.last_modified,
        stamp.version,
        vec![
            annexa_prop("tier", tier),
            annexa_prop(
                "customized",
                if profile.customized { "true" } else { "false" },
            ),
        ],
    );
    let body = json!({
        "uuid": stamp.uuid,
        "metadata": metadata,
        "imports": imports,
        "merge": { "as-is": true },
    });
    json!({ "profile": body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_oscal_tokens() {
        assert_eq!(token("A.10.3"), "A.10.3");
        assert_eq!(token("GOVERN 6.1"), "GOVERN-6.1");
        assert_eq!(token("Art. 25(4)"), "Art.-25-4");
        assert_eq!(token("Art. 53(1)(b)"), "Art.-53-1-b");
        assert_eq!(token("Annex XII(1)"), "Annex-XII-1");
        assert_eq!(token("42-AI"), "_42-AI");
    }
}
