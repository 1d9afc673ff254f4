#!/usr/bin/env python3
"""Asks a FHIR R4 server how it makes the choices the spec leaves open, and prints a table.

    python3 scripts/interop/probe_behaviours.py BASE_URL [--cacert CA.pem] [--bearer TOKEN]

Each probe sends real requests and records what came back: version id format, Location,
Prefer handling, Bundle.total, fullUrl, links, delete status, If-Match, If-None-Match,
unknown search parameters, invalid resources, XML, history, conditional create,
transactions, $summary and AuditEvent. It judges nothing: docs/interop-results.md sets
each observation against the spec sentence. It writes a few Patients with the family name
Samsvar-Probe-<random> and deletes them at the end. Standard library only.
"""
from __future__ import annotations

import argparse
import json
import re
import ssl
import sys
import urllib.error
import urllib.request
import uuid

FHIR_JSON = "application/fhir+json"


class Client:
    def __init__(self, base: str, cacert: str | None, bearer: str | None):
        self.base = base.rstrip("/")
        self.context = ssl.create_default_context(cafile=cacert) if cacert else None
        self.bearer = bearer

    def send(self, method: str, path: str, body=None, headers: dict | None = None):
        url = path if path.startswith("http") else f"{self.base}/{path.lstrip('/')}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", FHIR_JSON)
        if data is not None:
            req.add_header("Content-Type", FHIR_JSON)
        if self.bearer:
            req.add_header("Authorization", f"Bearer {self.bearer}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.context) as resp:
                return Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, err.headers, err.read())


class Response:
    def __init__(self, status: int, headers, raw: bytes):
        self.status = status
        self.headers = headers
        self.raw = raw

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self):
        try:
            return json.loads(self.raw) if self.raw.strip() else None
        except ValueError:
            return None

    def kind(self) -> str:
        """What the body is: a resource type, `empty`, or `not JSON`."""
        if not self.raw.strip():
            return "empty"
        body = self.json()
        if isinstance(body, dict):
            return body.get("resourceType", "JSON without resourceType")
        return "not JSON"

    def summary(self) -> str:
        return f"{self.status} {self.kind()}"


def patient(family: str, **extra) -> dict:
    return {"resourceType": "Patient", "name": [{"family": family, "given": ["Probe"]}], **extra}


def version_shape(vid: str | None) -> str:
    if vid is None:
        return "absent"
    if re.fullmatch(r"\d+", vid):
        return f"integer ({vid})"
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", vid):
        return "UUID"
    return f"opaque ({vid[:20]})"


def probes(c: Client, family: str, rows: list[tuple[str, str]], created: list[str]) -> None:
    def row(name: str, observed: str) -> None:
        rows.append((name, observed))

    meta = c.send("GET", "metadata")
    body = meta.json() or {}
    row("GET metadata", f"{meta.summary()}, Content-Type {meta.header('Content-Type')}, "
                        f"fhirVersion {body.get('fhirVersion')}")

    plain = c.send("POST", "Patient", patient(family))
    res = plain.json() or {}
    pid = res.get("id") or _id_from_location(plain.header("Location"))
    if pid:
        created.append(pid)
    vid1 = (res.get("meta") or {}).get("versionId")
    row("create, no Prefer", f"{plain.summary()}; Location {plain.header('Location')}; "
                             f"ETag {plain.header('ETag')}")
    row("versionId after create", version_shape(vid1))
    location = plain.header("Location") or ""
    row("Location carries _history/{vid}", str(bool(re.search(r"/_history/[^/]+$", location))))
    row("ETag = W/\"meta.versionId\" on create", str(vid1 is not None and plain.header("ETag") == f'W/"{vid1}"'))

    for prefer in ("return=minimal", "return=representation", "return=OperationOutcome"):
        r = c.send("POST", "Patient", patient(family), {"Prefer": prefer})
        rid = (r.json() or {}).get("id") if r.kind() == "Patient" else _id_from_location(r.header("Location"))
        if rid:
            created.append(rid)
        row(f"create, Prefer: {prefer}", r.summary())

    if not pid:
        row("(the remaining probes)", "skipped: no id in the create answer")
        return
    if location:
        row("GET the Location URL", c.send("GET", location).summary())

    read = c.send("GET", f"Patient/{pid}")
    row("read", f"{read.summary()}; ETag {read.header('ETag')}; Last-Modified {read.header('Last-Modified')}")
    etag = read.header("ETag")
    if etag:
        row("read, If-None-Match: current ETag", c.send("GET", f"Patient/{pid}", headers={"If-None-Match": etag}).summary())

    updated = patient(family, id=pid, active=False)
    wrong = c.send("PUT", f"Patient/{pid}", updated, {"If-Match": 'W/"samsvar-not-a-version"'})
    row("update, If-Match: a wrong version", wrong.summary())
    upd = c.send("PUT", f"Patient/{pid}", updated, {"If-Match": etag} if etag else None)
    vid2 = ((upd.json() or {}).get("meta") or {}).get("versionId")
    row("update, If-Match: current ETag", f"{upd.summary()}; ETag {upd.header('ETag')}")
    row("versionId after update", f"{version_shape(vid2)}; changed: {vid2 is not None and vid2 != vid1}")
    if vid1:
        row("vread the first version", c.send("GET", f"Patient/{pid}/_history/{vid1}").summary())
    hist = c.send("GET", f"Patient/{pid}/_history")
    row("instance history", f"{hist.summary()} type {(hist.json() or {}).get('type')}, "
                            f"{len((hist.json() or {}).get('entry') or [])} entries")

    fresh = f"samsvar-probe-{uuid.uuid4().hex[:12]}"
    uc = c.send("PUT", f"Patient/{fresh}", patient(family, id=fresh))
    if uc.status < 300:
        created.append(fresh)
    row("update as create (PUT a new id)", uc.summary())

    search = c.send("GET", f"Patient?_id={pid}")
    bundle = search.json() or {}
    entries = bundle.get("entry") or []
    row("search by _id", f"{search.summary()}; total {'absent' if 'total' not in bundle else bundle['total']}; "
                         f"{len(entries)} entries")
    row("searchset entry.fullUrl", "present" if entries and all("fullUrl" in e for e in entries) else "absent")
    row("searchset entry.search.mode", ", ".join(sorted({(e.get("search") or {}).get("mode", "absent") for e in entries})) or "no entries")
    row("searchset link self", "present" if any(l.get("relation") == "self" for l in bundle.get("link") or []) else "absent")
    accurate = c.send("GET", f"Patient?_id={pid}&_total=accurate").json() or {}
    row("search with _total=accurate", f"total {accurate.get('total', 'absent')}")
    unknown = c.send("GET", f"Patient?family={family}&samsvar-unknown-param=1")
    row("search with an unknown parameter", f"{unknown.summary()}, {len((unknown.json() or {}).get('entry') or [])} entries")
    strict = c.send("GET", f"Patient?family={family}&samsvar-unknown-param=1", headers={"Prefer": "handling=strict"})
    row("same, Prefer: handling=strict", strict.summary())

    cond = c.send("POST", "Patient", patient(family), {"If-None-Exist": f"_id={pid}"})
    row("conditional create matching one", f"{cond.summary()}; Location {cond.header('Location')}")

    bad_date = c.send("POST", "Patient", patient(family, birthDate="not-a-date"))
    row("create with birthDate \"not-a-date\"", bad_date.summary())
    if bad_date.status < 300:
        created.append((bad_date.json() or {}).get("id", ""))
    bad_element = c.send("POST", "Patient", patient(family, samsvarUnknownElement=True))
    row("create with an unknown element", bad_element.summary())
    if bad_element.status < 300:
        created.append((bad_element.json() or {}).get("id", ""))
    row("GET an unknown resource type", c.send("GET", "SamsvarNoSuchType/1").summary())

    xml = c.send("GET", f"Patient/{pid}?_format=xml")
    row("read with _format=xml", f"{xml.status}, Content-Type {xml.header('Content-Type')}")

    tx = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": patient(family),
        "request": {"method": "POST", "url": "Patient"}}]}
    txr = c.send("POST", "", tx)
    txb = txr.json() or {}
    row("transaction with one create", f"{txr.summary()} type {txb.get('type')}; entry.response.status "
                                       f"{[(e.get('response') or {}).get('status') for e in txb.get('entry') or []]}")
    for e in txb.get("entry") or []:
        loc = (e.get("response") or {}).get("location") or ""
        m = re.search(r"Patient/([^/]+)", loc)
        if m:
            created.append(m.group(1))

    row("Patient/[id]/$summary", c.send("GET", f"Patient/{pid}/$summary").summary())
    audit = c.send("GET", "AuditEvent?_count=1")
    row("AuditEvent search", f"{audit.summary()}; total {(audit.json() or {}).get('total', 'absent')}")

    first = c.send("DELETE", f"Patient/{pid}")
    row("delete", first.summary())
    row("read after delete", c.send("GET", f"Patient/{pid}").summary())
    row("delete again", c.send("DELETE", f"Patient/{pid}").summary())
    row("delete an id that never existed", c.send("DELETE", f"Patient/samsvar-never-{uuid.uuid4().hex[:8]}").summary())


def _id_from_location(location: str | None) -> str | None:
    if not location:
        return None
    m = re.search(r"Patient/([^/]+)", location)
    return m.group(1) if m else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("--cacert")
    ap.add_argument("--bearer")
    args = ap.parse_args()
    c = Client(args.base, args.cacert, args.bearer)
    family = f"Samsvar-Probe-{uuid.uuid4().hex[:8]}"
    rows: list[tuple[str, str]] = []
    created: list[str] = []
    try:
        probes(c, family, rows, created)
    finally:
        for rid in {r for r in created if r}:
            c.send("DELETE", f"Patient/{rid}")
    print(f"| probe ({args.base}) | observed |")
    print("|---|---|")
    for name, observed in rows:
        print(f"| {name} | {observed.replace('|', '&#124;')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
