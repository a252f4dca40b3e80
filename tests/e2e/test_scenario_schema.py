"""scenarios/scenario.schema.json agrees with the parser: every scenario of
the library validates against it, and the malformed files that a schema can
see (unknown keys, wrong types, ranges, unit-less durations) fail it."""
import glob
import json
import os
import sys

import support

try:
    import jsonschema
    import yaml
except ImportError as e:
    # A skip, shown as one by run.sh; in CI (where ci/deps.sh installs both)
    # run.sh fails it, so that the schema cannot drift from the parser unseen.
    support.skip("%s (install python3-jsonschema and python3-yaml)" % e)

os.chdir(os.environ.get("TOP", "."))
with open("scenarios/scenario.schema.json") as f:
    schema = json.load(f)
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)

failures = 0
for path in sorted(glob.glob("scenarios/*.yaml")):
    with open(path) as f:
        doc = yaml.safe_load(f)
    errors = list(validator.iter_errors(doc))
    if errors:
        failures += 1
        print("FAIL %s: %s" % (path, errors[0].message))

# Files whose one problem is visible to a schema (the others need the
# whole-file checks of plcsim check: contradictions, windows, judgeability).
schema_visible = [
    "unknown-top-key", "unknown-plc-key", "unknown-action-key",
    "unknown-action", "unknown-expect", "missing-name", "missing-duration",
    "missing-at", "missing-for", "wrong-type-plc", "wrong-type-args",
    "wrong-type-bool", "wrong-type-length", "duration-no-unit",
    "duration-negative", "duration-bad-unit", "length-not-multiple",
    "length-too-big", "huge-number", "huge-seed", "exit-code-range",
    "quantile-range", "env-not-name-value", "not-a-mapping",
    "when-and-at", "when-frame-with-edge",
    "duty-no-percent", "edge-unknown",
]
for name in schema_visible:
    path = "tests/scenarios-bad/%s.yaml" % name
    with open(path) as f:
        doc = yaml.safe_load(f)
    if validator.is_valid(doc):
        failures += 1
        print("FAIL %s: accepted by the schema" % path)

print("schema: %d failures" % failures)
sys.exit(1 if failures else 0)
