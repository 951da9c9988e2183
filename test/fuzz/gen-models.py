#!/usr/bin/env python3
"""Compact service models for the fuzz suite's services that the gateway does not validate itself.

The server validates Rekognition, Cognito and Lambda against server/protocol/models/ (written by
scripts/gen-models.py); the fuzz suite reads those too. DynamoDB (dynalite behind the gateway),
S3 (REST-XML) and SESv2 have no compact model there, so this writes one per service under
test/fuzz/models/, holding only the operations rekognito serves and the input shapes they reach,
with what a REST-XML request needs (locations, payload, XML names, namespaces, flattened lists).
Run: python3 test/fuzz/gen-models.py (after upgrading botocore).
"""
import glob, gzip, json, os, sys

import botocore

SERVICES = {
    # The operations the embedded engines serve (server/storage/dynamodb/operations.ts, s3Actions
    # in server/storage/s3/index.ts, sesActions in server/ses/index.ts).
    "dynamodb": ["BatchGetItem", "BatchWriteItem", "CreateTable", "DeleteItem", "DeleteTable", "DescribeTable",
                 "DescribeTimeToLive", "GetItem", "ListTables", "PutItem", "Query", "Scan", "TagResource",
                 "UntagResource", "ListTagsOfResource", "UpdateItem", "UpdateTable", "UpdateTimeToLive"],
    "s3": ["ListBuckets", "CreateBucket", "HeadBucket", "DeleteBucket", "GetBucketLocation",
           "PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration", "ListObjects", "ListObjectsV2",
           "DeleteObjects", "PutObject", "CopyObject", "GetObject", "HeadObject", "DeleteObject",
           "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts",
           "ListMultipartUploads", "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
           "PutPublicAccessBlock", "GetPublicAccessBlock", "DeletePublicAccessBlock", "PutBucketCors", "GetBucketCors",
           "DeleteBucketCors", "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration",
           "DeleteBucketLifecycle", "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"],
    "sesv2": ["SendEmail"],
}
KEEP_SHAPE = ("type", "required", "min", "max", "pattern", "enum", "payload", "flattened", "streaming", "locationName")
KEEP_MEMBER = ("shape", "location", "locationName", "flattened", "xmlAttribute", "xmlNamespace", "jsonvalue")

root = os.path.join(os.path.dirname(botocore.__file__), "data")
out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
os.makedirs(out_dir, exist_ok=True)

for name, wanted in SERVICES.items():
    path = sorted(glob.glob(os.path.join(root, name, "*", "service-2.json*")))[-1]
    with (gzip.open if path.endswith(".gz") else open)(path, "rt") as f:
        model = json.load(f)
    ops, shapes, todo = {}, {}, []
    for op_name in wanted:
        op = model["operations"][op_name]
        http = {k: op["http"][k] for k in ("method", "requestUri", "responseCode") if k in op.get("http", {})}
        entry = {"http": http, "input": op.get("input", {}).get("shape")}
        if "xmlNamespace" in op.get("input", {}):
            entry["xmlNamespace"] = op["input"]["xmlNamespace"]["uri"]
        if "locationName" in op.get("input", {}):
            entry["locationName"] = op["input"]["locationName"]
        ops[op_name] = entry
        if entry["input"]:
            todo.append(entry["input"])
    while todo:
        shape_name = todo.pop()
        if shape_name in shapes:
            continue
        shape = model["shapes"][shape_name]
        s = {k: shape[k] for k in KEEP_SHAPE if k in shape}
        if "members" in shape:
            s["members"] = {}
            for m, spec in shape["members"].items():
                member = {k: v for k, v in spec.items() if k in KEEP_MEMBER}
                if isinstance(member.get("xmlNamespace"), dict):
                    member["xmlNamespace"] = member["xmlNamespace"]["uri"]
                s["members"][m] = member
                todo.append(spec["shape"])
        for k in ("member", "key", "value"):
            if k in shape:
                s[k] = {kk: vv for kk, vv in shape[k].items() if kk in ("shape", "locationName")}
                todo.append(shape[k]["shape"])
        shapes[shape_name] = s
    meta = {k: model["metadata"][k] for k in ("apiVersion", "protocol", "targetPrefix", "jsonVersion", "endpointPrefix", "signingName") if k in model["metadata"]}
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump({"metadata": meta, "operations": ops, "shapes": shapes}, f, separators=(",", ":"), sort_keys=True)
    print(f"{name}: {len(ops)} operations, {len(shapes)} shapes from {os.path.relpath(path, root)}", file=sys.stderr)
