"""Fetches annexa's OSCAL exports from API_URL and validates each with compliance-trestle.

Before exporting it defines an organisation control with a crosswalk entry, and sets an
organisation profile that mixes frameworks, so those paths are validated too.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

from trestle.oscal import catalog as oscal_catalog
from trestle.oscal import profile as oscal_profile

BASE = os.environ["API_URL"]
TOKEN = os.environ["API_TOKEN"]


def call(method, path, body=None):
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as reply:
        return json.load(reply)


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
    print(f"OSCAL: {checked} documents valid, {failures} invalid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
