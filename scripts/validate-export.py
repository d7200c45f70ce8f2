#!/usr/bin/env python3
"""Validates export files against docs/export.schema.json with Python's `jsonschema`, a
validator independent of the app's own reader. Usage: validate-export.py SCHEMA FILE..."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
failed = 0
for path in sys.argv[2:]:
    errors = sorted(validator.iter_errors(json.load(open(path, encoding="utf-8"))), key=lambda e: list(e.path))
    for e in errors[:10]:
        print(f"{path}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
    failed += bool(errors)
    print(f"{path}: {'INVALID' if errors else 'valid'}")
sys.exit(1 if failed else 0)
