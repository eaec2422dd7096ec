#!/usr/bin/env python3
"""schema_validate.py: FLUXEON's Beckn message schemas (schemas/beckn/).

usage: schema_validate.py [-a ACTION] SCHEMA_DIR FILE...
       schema_validate.py --check SCHEMA_FILE...

The first form validates each message FILE against SCHEMA_DIR/ACTION.json,
ACTION being the message's context.action (or -a ACTION); a file named
*-ack.json or *-nack.json is an answer, checked against ack.json.  Every
*.json of SCHEMA_DIR is registered by its $id, so the schemas' references
("defs.json#/$defs/context") resolve as they would for common/jschema.
Prints 'FILE: valid', or 'FILE: /pointer: reason' for each of the first
five errors, and exits 1 if any file is invalid.

The second form checks each schema file: JSON, a valid draft 2020-12
schema (the metaschema), its $schema, a title, an $id that names its own
path under https://fluxeon.example/schemas/, and every $ref resolving
among the files given.  Prints 'FILE: ok' or 'FILE: reason'.

The reference is python3-jsonschema (Draft 2020-12, format checks on), an
implementation independent of FLUXEON's own validator (common/jschema).
"""
import glob
import json
import os
import sys

import jsonschema

DRAFT = 'https://json-schema.org/draft/2020-12/schema'
BASE = 'https://fluxeon.example/schemas/'
Validator = jsonschema.Draft202012Validator

try:
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    def make_validator(schema, docs):
        registry = Registry().with_resources(
            (d['$id'], Resource(contents=d, specification=DRAFT202012))
            for d in docs.values())
        return Validator(schema, registry=registry,
                         format_checker=Validator.FORMAT_CHECKER)

    def resolves(doc, docs, ref):
        registry = Registry().with_resources(
            (d['$id'], Resource(contents=d, specification=DRAFT202012))
            for d in docs.values())
        try:
            registry.resolver(base_uri=doc['$id']).lookup(ref)
            return True
        except Unresolvable:
            return False
except ImportError:
    def make_validator(schema, docs):
        resolver = jsonschema.RefResolver(schema['$id'], schema, store=docs)
        return Validator(schema, resolver=resolver,
                         format_checker=Validator.FORMAT_CHECKER)

    def resolves(doc, docs, ref):
        try:
            jsonschema.RefResolver(doc['$id'], doc, store=docs).resolve(ref)
            return True
        except jsonschema.RefResolutionError:
            return False


def refs(node):
    """Every $ref string in a schema document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == '$ref' and isinstance(v, str):
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def check(files):
    docs, bad = {}, 0
    loaded = []
    for path in files:
        try:
            with open(path, encoding='utf-8') as f:
                doc = json.load(f)
        except ValueError as e:
            print('%s: not JSON: %s' % (path, e))
            bad += 1
            continue
        loaded.append((path, doc))
        if isinstance(doc, dict) and isinstance(doc.get('$id'), str):
            docs[doc['$id']] = doc
    for path, doc in loaded:
        why = None
        rel = os.path.abspath(path).split('/schemas/')[-1]
        try:
            Validator.check_schema(doc)
        except jsonschema.SchemaError as e:
            why = 'not a 2020-12 schema: /%s: %s' % (
                '/'.join(map(str, e.path)), e.message)
        if why is None and doc.get('$schema') != DRAFT:
            why = '$schema is not %s' % DRAFT
        elif why is None and doc.get('$id') != BASE + rel:
            why = '$id %r is not %r' % (doc.get('$id'), BASE + rel)
        elif why is None and not doc.get('title'):
            why = 'no title'
        if why is None:
            for ref in refs(doc):
                if not resolves(doc, docs, ref):
                    why = '$ref %r does not resolve' % ref
                    break
        print('%s: %s' % (path, why or 'ok'))
        bad += why is not None
    return bad


def reason(e):
    """e's message, the value it quotes first cut to 60 characters."""
    r = repr(e.instance)
    if len(r) > 60 and e.message.startswith(r):
        return r[:60] + '...' + e.message[len(r):]
    return e.message[:300]


def validate(schema_dir, action, files):
    docs = {}
    for path in sorted(glob.glob(os.path.join(schema_dir, '*.json'))):
        with open(path, encoding='utf-8') as f:
            doc = json.load(f)
        docs[doc['$id']] = doc
    by_name = {i.rsplit('/', 1)[-1][:-5]: d for i, d in docs.items()}
    bad = 0
    for path in files:
        name = path.rsplit('/', 1)[-1]
        with open(path, encoding='utf-8') as f:
            msg = json.load(f)
        want = action
        if want is None and (name.endswith('-ack.json') or
                             name.endswith('-nack.json')):
            want = 'ack'
        if want is None:
            ctx = msg.get('context') if isinstance(msg, dict) else None
            want = ctx.get('action') if isinstance(ctx, dict) else None
        if not isinstance(want, str) or want not in by_name or \
                want == 'defs':
            print('%s: no schema for action %r' % (name, want))
            bad += 1
            continue
        v = make_validator(by_name[want], docs)
        errors = sorted(v.iter_errors(msg), key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            bad += 1
            for e in errors[:5]:
                print('%s: /%s: %s' % (name, '/'.join(map(str, e.absolute_path)),
                                       reason(e)))
        else:
            print('%s: valid' % name)
    return bad


def main(argv):
    if argv[:1] == ['--check'] and len(argv) > 1:
        return 1 if check(argv[1:]) else 0
    action = None
    if argv[:1] == ['-a'] and len(argv) > 1:
        action, argv = argv[1], argv[2:]
    if len(argv) < 2:
        sys.stderr.write(__doc__.split('\n\n')[1] + '\n')
        return 2
    return 1 if validate(argv[0], action, argv[1:]) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
