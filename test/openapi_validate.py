#!/usr/bin/env python3
"""openapi_validate.py SPEC.yaml FILE.json... : validates each Beckn message
against the request schema of the path its context names, in an official
OpenAPI document (v1.1.1 or v2.0.0 LTS).  A file named *-ack.json or
*-nack.json is an answer: it is checked against the document's ACK (v2:
components/schemas/Ack or NackBadRequest; v1.1: the default response of
/init).  Prints one line per file and exits 1 if any fails.

The reference is python3-jsonschema (Draft 2020-12, format checks on), an
implementation independent of FLUXEON's own validator."""
import json
import sys

import jsonschema
import yaml

spec = yaml.safe_load(open(sys.argv[1]))
v2 = spec.get('openapi', '').startswith('3.1') and '/discover' in spec['paths']
try:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
    res = Resource(contents=spec, specification=DRAFT202012)
    registry = Registry().with_resource('urn:spec', res)

    def validator(schema):
        return jsonschema.Draft202012Validator(
            {'$ref': 'urn:spec' + schema}, registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
except ImportError:
    def validator(schema):
        return jsonschema.Draft202012Validator(
            {'$ref': schema},
            resolver=jsonschema.RefResolver('', spec),
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)

def ptr(*parts):
    return '#/' + '/'.join(p.replace('~', '~0').replace('/', '~1') for p in parts)

bad = 0
for path in sys.argv[2:]:
    msg = json.load(open(path))
    name = path.rsplit('/', 1)[-1]
    if name.endswith('-ack.json') or name.endswith('-nack.json'):
        if v2:
            schema = ptr('components', 'schemas',
                         'Ack' if name.endswith('-ack.json') else 'NackBadRequest')
        else:
            schema = ptr('paths', '/init', 'post', 'responses', 'default',
                         'content', 'application/json', 'schema')
    else:
        action = msg['context']['action']
        schema = ptr('paths', '/' + action, 'post', 'requestBody', 'content',
                     'application/json', 'schema')
    errors = sorted(validator(schema).iter_errors(msg), key=lambda e: list(e.path))
    if errors:
        bad += 1
        for e in errors[:5]:
            print('%s: /%s: %s' % (name, '/'.join(map(str, e.path)), e.message[:300]))
    else:
        print('%s: valid' % name)
sys.exit(1 if bad else 0)
