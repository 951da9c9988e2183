"""Index Faces, in Python with boto3: the original AWS design's runtime for this function.

A drop-in for lambdas/index-faces (TypeScript), with the same contract: it runs when an ID
document lands in the documents bucket. The key is documents/<sub>/<challengeId>, chosen by
Create Auth Challenge, which also wrote it to the user's record as `pendingKey`. Only that upload
is indexed: any other object (an old link, a key nobody asked for) is ignored. The face goes into
the collection with ExternalImageId = the `sub` from the key (never from client metadata),
MaxFaces 1 and QualityFilter AUTO. A document with no face or several faces indexes nothing and
records that outcome. The record keeps the outcome (uploadOutcome, uploadFaceId) until Verify Auth
Challenge confirms it with the mailed code; an earlier unconfirmed face of the same user is
deleted from the collection, so enrolling again replaces it.

Environment: COLLECTION_ID, FACES_TABLE. Handler: app.handler (Runtime python3.12).
It never asks whether it runs locally: boto3 finds its endpoint as on AWS.
"""

import datetime
import os
import re
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError("index-faces: environment variable %s is not set" % name)
    return value


COLLECTION_ID = _env("COLLECTION_ID")
FACES_TABLE = _env("FACES_TABLE")

rekognition = boto3.client("rekognition")
table = boto3.resource("dynamodb").Table(FACES_TABLE)

DOCUMENT_KEY = re.compile(r"^documents/([A-Za-z0-9-]{1,128})/[0-9a-f-]{36}$")
NOT_AN_IMAGE = {"InvalidImageFormatException", "ImageTooLargeException", "InvalidS3ObjectException", "InvalidParameterException"}


def decode_key(key):
    """S3 event keys are URL-encoded, with spaces as '+'."""
    return unquote_plus(key)


def sub_of(key):
    """The `sub` the key was chosen from, or None when the key is not a document key."""
    match = DOCUMENT_KEY.match(key)
    return match.group(1) if match else None


def analyse(bucket, key, sub):
    image = {"S3Object": {"Bucket": bucket, "Name": key}}
    try:
        details = rekognition.detect_faces(Image=image).get("FaceDetails", [])
        if not details:
            return {"outcome": "NO_FACE"}
        if len(details) > 1:
            return {"outcome": "SEVERAL_FACES"}
        indexed = rekognition.index_faces(
            CollectionId=COLLECTION_ID,
            Image=image,
            ExternalImageId=sub,
            MaxFaces=1,
            QualityFilter="AUTO",
            DetectionAttributes=["DEFAULT"],
        )
        records = indexed.get("FaceRecords", [])
        if records:
            return {"outcome": "INDEXED", "faceId": records[0]["Face"]["FaceId"]}
        reasons = [reason for face in indexed.get("UnindexedFaces", []) for reason in face.get("Reasons", [])]
        return {"outcome": "FACE_NOT_USABLE", "reasons": reasons}
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in NOT_AN_IMAGE:
            return {"outcome": "NOT_AN_IMAGE", "reasons": [code]}
        raise


def delete_face(face_id):
    rekognition.delete_faces(CollectionId=COLLECTION_ID, FaceIds=[face_id])


def index_document(record):
    bucket = record["s3"]["bucket"]["name"]
    key = decode_key(record["s3"]["object"]["key"])
    sub = sub_of(key)
    if not sub:
        print("ignored s3://%s/%s: not a document key (documents/<sub>/<challenge id>)" % (bucket, key))
        return
    item = table.get_item(Key={"sub": sub}, ConsistentRead=True).get("Item")
    if not item or item.get("pendingKey") != key:
        print("ignored s3://%s/%s: no enrolment challenge is waiting for this upload" % (bucket, key))
        return
    result = analyse(bucket, key, sub)
    values = {
        ":key": key,
        ":outcome": result["outcome"],
        ":now": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    update = "SET uploadKey = :key, uploadOutcome = :outcome, uploadedAt = :now"
    if result.get("faceId"):
        update += ", uploadFaceId = :faceId"
        values[":faceId"] = result["faceId"]
    else:
        update += " REMOVE uploadFaceId"
    try:
        answer = table.update_item(
            Key={"sub": sub},
            UpdateExpression=update,
            # Only the upload the current enrolment challenge asked for.
            ConditionExpression="pendingKey = :key",
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        print("ignored s3://%s/%s: no enrolment challenge is waiting for this upload" % (bucket, key))
        if result.get("faceId"):
            delete_face(result["faceId"])
        return
    previous = answer.get("Attributes", {})
    stale = previous.get("uploadFaceId")
    if isinstance(stale, str) and stale != result.get("faceId") and stale != previous.get("faceId"):
        delete_face(stale)
    reasons = result.get("reasons") or []
    print("s3://%s/%s: %s%s" % (bucket, key, result["outcome"], " (%s)" % ", ".join(reasons) if reasons else ""))


def handler(event, context):
    for record in event["Records"]:
        index_document(record)
