#!/usr/bin/env python3
"""Extract the parts of AWS's service models that the gateway validates against.

Reads botocore's service-2.json for each emulated JSON and REST-JSON service and writes a compact
copy under server/protocol/models/: operations (HTTP binding, input/output shape, error names)
and shapes with their types, members, required lists and constraints (min, max, pattern, enum).
Documentation is dropped. Run with `npm run gen-models` after upgrading botocore.
"""
import glob, gzip, json, os, sys

import botocore

SERVICES = {
    "rekognition": "rekognition",
    "cognito-idp": "cognito-idp",
    "lambda": "lambda",
    "sesv2": "sesv2",
}
KEEP_SHAPE = ("type", "required", "min", "max", "pattern", "enum", "sensitive")
KEEP_MEMBER = ("shape", "location", "locationName", "jsonvalue")

root = os.path.join(os.path.dirname(botocore.__file__), "data")
out_dir = os.path.join(os.path.dirname(__file__), "..", "server", "protocol", "models")
os.makedirs(out_dir, exist_ok=True)

for name, folder in SERVICES.items():
    versions = sorted(glob.glob(os.path.join(root, folder, "*", "service-2.json*")))
    path = versions[-1]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        model = json.load(f)
    ops = {}
    for op_name, op in model["operations"].items():
        ops[op_name] = {
            "http": {k: op["http"][k] for k in ("method", "requestUri", "responseCode") if k in op.get("http", {})},
            "input": op.get("input", {}).get("shape"),
            "output": op.get("output", {}).get("shape"),
            "errors": [e["shape"] for e in op.get("errors", [])],
        }
        # "none": AWS serves the operation without a signature (Cognito's public actions).
        if op.get("authtype"):
            ops[op_name]["authtype"] = op["authtype"]
    shapes = {}
    for shape_name, shape in model["shapes"].items():
        s = {k: shape[k] for k in KEEP_SHAPE if k in shape}
        if "members" in shape:
            s["members"] = {m: {k: v for k, v in spec.items() if k in KEEP_MEMBER} for m, spec in shape["members"].items()}
        for k in ("member", "key", "value"):
            if k in shape:
                s[k] = {"shape": shape[k]["shape"]}
        if shape.get("exception"):
            s["exception"] = True
            s["httpStatus"] = shape.get("error", {}).get("httpStatusCode", 400)
        shapes[shape_name] = s
    meta = {k: model["metadata"][k] for k in ("apiVersion", "protocol", "targetPrefix", "jsonVersion", "endpointPrefix", "signingName") if k in model["metadata"]}
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump({"metadata": meta, "operations": ops, "shapes": shapes}, f, separators=(",", ":"), sort_keys=True)
    print(f"{name}: {len(ops)} operations, {len(shapes)} shapes from {os.path.relpath(path, root)}", file=sys.stderr)
