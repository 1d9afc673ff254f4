#!/usr/bin/env python3
"""Check the requirement catalogue (requirements/*.yaml) and the suites' citations of it.

Run from anywhere inside the repository:

    python3 scripts/check-requirements.py [--root DIR]

It checks that
  * every catalogue file satisfies requirements/schema.json (the schema is read and applied,
    not restated here; a schema keyword this checker does not implement is an error, so a
    schema change can never be skipped silently),
  * every requirement id is defined once across all files,
  * every source.document names a document declared in the same file, and every document
    key is declared once across all files,
  * every see_also id exists in the catalogue,
  * every id a suite under testsuites/ cites in `verifies:` (suite, group and test level)
    exists in the catalogue.

Entries whose provenance is `secondary` are listed as warnings: their level was not read from
the official text.

Exit status: 0 all good (warnings allowed), 1 a check failed, 2 the checker could not run
(PyYAML missing, unreadable file, malformed YAML).

Needs Python 3.11+ and PyYAML (Debian: python3-yaml; PyPI: pyyaml), the only YAML parser
available without writing one. The Rust loader that replaces this script parses the same files.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the environment
    print(
        "check-requirements: PyYAML is not installed.\n"
        "  hint: apt-get install python3-yaml   or   pip install pyyaml",
        file=sys.stderr,
    )
    sys.exit(2)


# --- a small JSON Schema evaluator ---------------------------------------------------------
# Only the keywords requirements/schema.json uses. Annotation keywords are accepted and
# ignored; any other keyword raises, so a schema that grows a new rule cannot be half-applied.

ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "$comment", "examples"}
JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


class SchemaKeywordError(Exception):
    """The schema uses a keyword this evaluator does not implement."""


def type_matches(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    expected = JSON_TYPES.get(name)
    if expected is None:
        raise SchemaKeywordError(f"unknown type {name!r}")
    return isinstance(value, expected)


def resolve(root: dict, ref: str) -> dict:
    if not ref.startswith("#/"):
        raise SchemaKeywordError(f"only local $ref is supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def validate(value: Any, schema: dict, root: dict, path: str, errors: list[str]) -> None:
    for keyword in schema:
        if keyword in ANNOTATIONS:
            continue
        if keyword not in KEYWORDS:
            raise SchemaKeywordError(f"schema keyword {keyword!r} is not implemented")
    if "$ref" in schema:
        validate(value, resolve(root, schema["$ref"]), root, path, errors)
    if "type" in schema and not type_matches(value, schema["type"]):
        errors.append(f"{path}: expected {schema['type']}, found {type_name(value)}")
        return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}, found {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"])
        errors.append(f"{path}: {value!r} is not one of: {allowed}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(
                f"{path}: {len(value)} characters, longer than {schema['maxLength']}"
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: needs at least {schema['minItems']} item(s)")
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for item in value:
                if item in seen:
                    errors.append(f"{path}: {item!r} is listed twice")
                seen.append(item)
        if "items" in schema:
            for index, item in enumerate(value):
                validate(item, schema["items"], root, f"{path}[{index}]", errors)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required key {key!r}")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                validate(item, properties[key], root, f"{path}.{key}", errors)
            elif schema.get("additionalProperties") is False:
                known = ", ".join(properties)
                errors.append(f"{path}: unknown key {key!r} (allowed: {known})")


KEYWORDS = {
    "$ref",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "uniqueItems",
    "pattern",
    "minLength",
    "maxLength",
}


def type_name(value: Any) -> str:
    for name, python_type in JSON_TYPES.items():
        if isinstance(value, python_type):
            return name
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


# --- loading --------------------------------------------------------------------------------


class Unreadable(Exception):
    """A file could not be read or parsed; the checker cannot give a verdict."""


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise Unreadable(f"{path}: cannot read: {error}") from error
    try:
        # BaseLoader would keep every scalar a string; SafeLoader gives the YAML 1.1 types the
        # schema's `catalogue: 1` needs. Dates and the like are rejected by the schema's types.
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise Unreadable(f"{where}: malformed YAML: {problem}") from error


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_catalogue(files: list[Path], schema: dict, report: Report) -> dict[str, Path]:
    """Validate each file; return every requirement id with the file that defines it."""
    ids: dict[str, Path] = {}
    document_keys: dict[str, Path] = {}
    see_also: list[tuple[Path, str, str]] = []
    for path in files:
        data = load_yaml(path)
        schema_errors: list[str] = []
        validate(data, schema, schema, "$", schema_errors)
        report.errors.extend(f"{path}: {message}" for message in schema_errors)
        if not isinstance(data, dict):
            continue
        declared = set()
        for document in data.get("documents") or []:
            key = document.get("key") if isinstance(document, dict) else None
            if not isinstance(key, str):
                continue
            if key in document_keys:
                report.errors.append(
                    f"{path}: document key {key!r} is also declared in {document_keys[key]}"
                )
            document_keys[key] = path
            declared.add(key)
        for entry in data.get("requirements") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            rid = entry["id"]
            if rid in ids:
                report.errors.append(f"{path}: duplicate id {rid!r} (first in {ids[rid]})")
            else:
                ids[rid] = path
            source = entry.get("source")
            doc = source.get("document") if isinstance(source, dict) else None
            if isinstance(doc, str) and doc not in declared:
                report.errors.append(
                    f"{path}: {rid}: source.document {doc!r} is not declared in this file"
                )
            provenance = source.get("provenance") if isinstance(source, dict) else None
            if provenance is None:
                provenance = next(
                    (
                        d.get("provenance")
                        for d in data.get("documents") or []
                        if isinstance(d, dict) and d.get("key") == doc
                    ),
                    None,
                )
            if provenance == "secondary":
                report.warnings.append(
                    f"{path}: {rid}: checked only against secondary sources"
                )
            for other in entry.get("see_also") or []:
                if isinstance(other, str):
                    see_also.append((path, rid, other))
    for path, rid, other in see_also:
        if other not in ids:
            report.errors.append(f"{path}: {rid}: see_also {other!r} is not in the catalogue")
    return ids


# --- citations in the suites ------------------------------------------------------------------


def suite_citations(suite: Any) -> list[tuple[str, str]]:
    """(where, id) for each `verifies:` id at suite, group and test level."""
    found: list[tuple[str, str]] = []
    if not isinstance(suite, dict):
        return found
    meta = suite.get("suite")
    if isinstance(meta, dict):
        found += [("suite", rid) for rid in strings(meta.get("verifies"))]

    def walk(items: Any, trail: str) -> None:
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            name = item.get("group") or item.get("id") or "?"
            where = f"{trail}/{name}" if trail else str(name)
            found.extend((where, rid) for rid in strings(item.get("verifies")))
            if "group" in item:
                walk(item.get("tests"), where)

    walk(suite.get("tests"), "")
    return found


def strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def check_suites(root: Path, ids: dict[str, Path], report: Report) -> int:
    suites = sorted((root / "testsuites").rglob("suite.yaml"))
    cited = 0
    for path in suites:
        for where, rid in suite_citations(load_yaml(path)):
            cited += 1
            if rid not in ids:
                report.errors.append(
                    f"{path.relative_to(root)}: {where}: verifies {rid!r}, "
                    "which is not in the catalogue"
                )
    return cited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="repository top (default: the one this script is in)",
    )
    args = parser.parse_args()
    root: Path = args.root
    catalogue_dir = root / "requirements"
    report = Report()
    try:
        schema = json.loads((catalogue_dir / "schema.json").read_text(encoding="utf-8"))
        files = sorted(catalogue_dir.glob("*.yaml"))
        if not files:
            raise Unreadable(f"{catalogue_dir}: no catalogue files (*.yaml)")
        ids = check_catalogue(files, schema, report)
        cited = check_suites(root, ids, report)
    except (Unreadable, OSError, json.JSONDecodeError, SchemaKeywordError) as error:
        print(f"check-requirements: {error}", file=sys.stderr)
        return 2
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    print(
        f"{len(ids)} requirements in {len(files)} files; {cited} citations in testsuites/; "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
