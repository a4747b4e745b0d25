#!/usr/bin/python3
"""Validate JSON documents against one of shakedown's JSON Schemas.

usage: schema-check.py SCHEMA FILE...   (FILE '-' reads stdin)

SCHEMA is a name: probe-result, probe-describe or results. Uses Debian's
python3-jsonschema (Draft 7); $refs between the schemas resolve locally.
Prints one line per file; exits 1 if any document is invalid.
"""
import json
import os
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = {
    "probe-result": "probes/schema/probe-result.schema.json",
    "probe-describe": "probes/schema/probe-describe.schema.json",
    "results": "runner/schema/results.schema.json",
}


def load_schemas():
    store = {}
    for rel in SCHEMAS.values():
        with open(os.path.join(ROOT, rel)) as f:
            s = json.load(f)
        store[s["$id"]] = s
    return store


def main(argv):
    if len(argv) < 3 or argv[1] not in SCHEMAS:
        sys.stderr.write(__doc__)
        return 2
    store = load_schemas()
    with open(os.path.join(ROOT, SCHEMAS[argv[1]])) as f:
        schema = json.load(f)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    validator = jsonschema.Draft7Validator(schema, resolver=resolver)
    bad = 0
    for path in argv[2:]:
        try:
            text = sys.stdin.read() if path == "-" else open(path).read()
            doc = json.loads(text)
        except (OSError, ValueError) as e:
            print(f"{path}: not JSON: {e}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:5]:
            where = "/".join(str(p) for p in e.path) or "(top)"
            print(f"{path}: {where}: {e.message[:300]}")
        if errors:
            bad += 1
        else:
            print(f"{path}: valid {argv[1]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
