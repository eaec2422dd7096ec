"""Validates NDJSON records against schemas/records/<type>.json.

usage: python3 test/validate.py SCHEMA_DIR [FILE...]   (stdin if no FILE)
Prints 'FILE:LINE: reason' for every invalid record and exits 1 if any.
Uses Debian's python3-jsonschema (Draft 2020-12, with format checking).
"""
import json
import os
import sys

import jsonschema

schema_dir = sys.argv[1]
files = sys.argv[2:] or ["-"]
validators = {}
bad = 0
checker = jsonschema.FormatChecker()
for name in files:
    f = sys.stdin if name == "-" else open(name, encoding="utf-8")
    for n, line in enumerate(f, 1):
        try:
            rec = json.loads(line)
        except ValueError as e:
            print(f"{name}:{n}: not JSON: {e}")
            bad += 1
            continue
        t = rec.get("type") if isinstance(rec, dict) else None
        if t not in validators:
            path = os.path.join(schema_dir, f"{t}.json")
            if not isinstance(t, str) or not os.path.exists(path):
                print(f"{name}:{n}: no schema for type {t!r}")
                bad += 1
                continue
            with open(path, encoding="utf-8") as s:
                validators[t] = jsonschema.Draft202012Validator(
                    json.load(s), format_checker=checker)
        for err in validators[t].iter_errors(rec):
            print(f"{name}:{n}: {t}: {'/'.join(map(str, err.path))}: {err.message}")
            bad += 1
sys.exit(1 if bad else 0)
