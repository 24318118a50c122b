"""Fetches annexa's OSCAL exports from API_URL and validates each with compliance-trestle.

Before exporting it defines an organisation control with a crosswalk entry, and sets an
organisation profile that mixes frameworks, so those paths are validated too. It also runs one
assessment through the vendor link to completion (with an evidence file) and validates its
assessment-results, provisional and final.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

from trestle.oscal import assessment_results as oscal_results
from trestle.oscal import catalog as oscal_catalog
from trestle.oscal import profile as oscal_profile

BASE = os.environ["API_URL"]
TOKEN = os.environ["API_TOKEN"]


def call(method, path, body=None, token=TOKEN, raw=None, content_type="application/json"):
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=raw if raw is not None else None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    with urllib.request.urlopen(request) as reply:
        return json.load(reply)


def completed_assessment():
    """A small questionnaire answered through the vendor link, returning (draft id, done id)."""
    template = call("POST", "/v1/questionnaire-templates", {"name": "OSCAL check", "sections": [
        {"title": "Data", "questions": [
            {"key": "trains", "text": "Do you train on our data?", "type": "yes_no", "required": True,
             "options": [{"value": "yes", "label": "Yes", "score": 0}, {"value": "no", "label": "No", "score": 1}],
             "controls": ["iso42001:A.7.3", "nist-ai-rmf:GOVERN 6.1"]},
            {"key": "report", "text": "Attach your latest audit report", "type": "evidence",
             "controls": ["iso42001:A.10.3", "eu-ai-act:Art. 25(4)"]},
            {"key": "contact", "text": "Incident contact", "type": "text", "controls": ["iso42001:A.8.4"]},
        ]}]})
    call("POST", f"/v1/questionnaire-templates/{template['id']}/versions/1/publish", {})
    vendor = call("POST", "/v1/vendors", {"legal_name": "OSCAL Check Ltd"})
    draft = call("POST", "/v1/assessments", {"vendor_id": vendor["id"], "template_id": template["id"]})
    done = call("POST", "/v1/assessments", {"vendor_id": vendor["id"], "template_id": template["id"]})
    base = f"/v1/assessments/{done['id']}"
    link = call("POST", f"{base}/send", {})["link"]["token"]
    evidence = call("POST", f"{base}/evidence?filename=audit.pdf", token=link,
                    raw=b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    call("PUT", f"{base}/answers", {"answers": [
        {"question": "trains", "value": "no"},
        {"question": "report", "value": [evidence["id"]]},
    ]}, token=link)
    call("POST", f"{base}/submit", {}, token=link)
    call("POST", f"{base}/status", {"status": "in_review"})
    call("POST", f"{base}/status", {"status": "completed"})
    return draft["id"], done["id"]


def quote(value):
    return urllib.parse.quote(value, safe="")


def main():
    control = call(
        "POST",
        "/v1/controls",
        {"ref": "AI-SEC-1", "title": "Vendor deletes prompts within 30 days",
         "description": "Prompts and completions are deleted within 30 days."},
    )
    call("POST", f"/v1/controls/{quote(control['id'])}/crosswalk", {"related_id": "iso42001:A.10.3"})
    call("PUT", "/v1/control-profiles/high",
         {"controls": ["iso42001:A.10.2", "nist-ai-rmf:GOVERN 6.1", "eu-ai-act:Art. 25(4)", control["id"]]})

    failures = 0
    checked = 0
    for framework in call("GET", "/v1/frameworks")["data"]:
        document = call("GET", f"/v1/frameworks/{quote(framework['id'])}/oscal")
        try:
            model = oscal_catalog.Model.model_validate(document)
            count = sum(len(g.controls or []) for g in model.catalog.groups or [])
            if count != framework["control_count"]:
                raise ValueError(f"{count} controls, expected {framework['control_count']}")
            checked += 1
        except Exception as error:  # report every document, then fail
            failures += 1
            print(f"catalog {framework['id']}: {error}", file=sys.stderr)
    for tier in ["low", "medium", "high", "critical"]:
        document = call("GET", f"/v1/control-profiles/{tier}/oscal")
        try:
            oscal_profile.Model.model_validate(document)
            checked += 1
        except Exception as error:
            failures += 1
            print(f"profile {tier}: {error}", file=sys.stderr)
    for assessment_id in completed_assessment():
        document = call("GET", f"/v1/assessments/{assessment_id}/oscal")
        try:
            model = oscal_results.Model.model_validate(document)
            findings = model.assessment_results.results[0].findings or []
            if len(findings) != 5:
                raise ValueError(f"{len(findings)} findings, expected 5")
            checked += 1
        except Exception as error:
            failures += 1
            print(f"assessment-results {assessment_id}: {error}", file=sys.stderr)
    print(f"OSCAL: {checked} documents valid, {failures} invalid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
