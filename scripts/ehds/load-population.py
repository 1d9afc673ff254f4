#!/usr/bin/env python3
"""Copy the synthetic test population that the EHDS suites expect onto a FHIR server.

    samsvar serve --sim fhir --addr 127.0.0.1:8080 &      # seeded from fixtures/
    python3 scripts/ehds/load-population.py --from http://127.0.0.1:8080/fhir --to URL

Reads every resource the seeded simulator serves for the population (Organization,
Practitioner, PractitionerRole, Patient, the document Bundles, their Binary, DocumentReference
and SubmissionSet List) and writes each to the target with PUT [type]/[id], so that ids stay
what the suites name. DocumentReference attachment URLs are rewritten to the target's base.
The target must allow update-as-create (client-assigned ids); a server that does not gets an
error per resource, printed, and exit status 1. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request

TYPES = [
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Patient",
    "Bundle",
    "Binary",
    "DocumentReference",
    "List",
]
FHIR_JSON = "application/fhir+json"


def request(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Accept", FHIR_JSON)
    if body is not None:
        req.add_header("Content-Type", FHIR_JSON)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def resources(source: str, rtype: str) -> list[dict]:
    status, body = request("GET", f"{source}/{rtype}?_count=1000")
    if status != 200:
        raise SystemExit(f"error: GET {source}/{rtype} answered {status}")
    bundle = json.loads(body)
    return [e["resource"] for e in bundle.get("entry", [])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", required=True, help="base URL of the seeded simulator")
    parser.add_argument("--to", dest="target", required=True, help="base URL of the FHIR server to load")
    args = parser.parse_args()
    source, target = args.source.rstrip("/"), args.target.rstrip("/")
    failures = 0
    written = 0
    for rtype in TYPES:
        for resource in resources(source, rtype):
            # The server assigns versions and timestamps of its own.
            meta = resource.get("meta", {})
            meta.pop("versionId", None)
            meta.pop("lastUpdated", None)
            for content in resource.get("content", []):
                attachment = content.get("attachment", {})
                url = attachment.get("url", "")
                if url.startswith(source + "/"):
                    attachment["url"] = target + url[len(source):]
            body = json.dumps(resource).encode()
            status, answer = request("PUT", f"{target}/{rtype}/{resource['id']}", body)
            if status in (200, 201):
                written += 1
            else:
                failures += 1
                print(f"error: PUT {rtype}/{resource['id']} answered {status}: {answer[:300]!r}", file=sys.stderr)
    print(f"loaded {written} resource(s) into {target}, {failures} failed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
