"""An independent client: boto3 drives a started rekognito through every service the face-login
stack uses, and prints what it saw as one JSON object. Run by test/clients/boto3.test.ts with
AWS_ENDPOINT_URL pointing at the stack and the fixture paths in argv."""
import io
import json
import sys
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

document, selfie, stranger, run = sys.argv[1:5]
out = {}


def code(call):
    try:
        call()
        return None
    except ClientError as error:
        return error.response["Error"]["Code"]


# Rekognition
rek = boto3.client("rekognition")
collection = f"boto3-{run}"
rek.create_collection(CollectionId=collection)
with open(document, "rb") as f:
    indexed = rek.index_faces(CollectionId=collection, Image={"Bytes": f.read()}, ExternalImageId="ana", MaxFaces=1)
out["indexed"] = len(indexed["FaceRecords"])
with open(selfie, "rb") as f:
    found = rek.search_faces_by_image(CollectionId=collection, Image={"Bytes": f.read()}, FaceMatchThreshold=90)
out["match"] = [m["Face"]["ExternalImageId"] for m in found["FaceMatches"]]
with open(stranger, "rb") as f:
    out["stranger"] = len(rek.search_faces_by_image(CollectionId=collection, Image={"Bytes": f.read()}, FaceMatchThreshold=90)["FaceMatches"])
out["missing_collection"] = code(lambda: rek.describe_collection(CollectionId=f"nope-{run}"))
out["bad_image"] = code(lambda: rek.detect_faces(Image={"Bytes": b"not an image at all"}))

# S3 (path style, the SDK's default checksums)
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
bucket = f"boto3-{run}"
s3.create_bucket(Bucket=bucket)
body = bytes(range(256)) * 4096
s3.put_object(Bucket=bucket, Key="dir/a file.bin", Body=body, Metadata={"owner": "ana"})
got = s3.get_object(Bucket=bucket, Key="dir/a file.bin")
out["s3_roundtrip"] = got["Body"].read() == body and got["Metadata"] == {"owner": "ana"}
out["s3_missing"] = code(lambda: s3.get_object(Bucket=bucket, Key="nope"))

# DynamoDB
ddb = boto3.client("dynamodb")
table = f"boto3-{run}"
ddb.create_table(
    TableName=table,
    AttributeDefinitions=[{"AttributeName": "sub", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "sub", "KeyType": "HASH"}],
    BillingMode="PAY_PER_REQUEST",
)
ddb.put_item(TableName=table, Item={"sub": {"S": "u1"}, "faceId": {"S": "f1"}})
out["ddb_item"] = ddb.get_item(TableName=table, Key={"sub": {"S": "u1"}})["Item"]["faceId"]["S"]

# Lambda: three custom-auth triggers deployed from zips, then Cognito's CUSTOM_AUTH through them
lam = boto3.client("lambda")
sources = {
    "define": """exports.handler = async (e) => { const s = e.request.session;
  if (s.length && s[s.length - 1].challengeResult) { e.response.issueTokens = true; e.response.failAuthentication = false; }
  else if (s.length >= 3) { e.response.issueTokens = false; e.response.failAuthentication = true; }
  else { e.response.issueTokens = false; e.response.failAuthentication = false; e.response.challengeName = "CUSTOM_CHALLENGE"; }
  return e; };""",
    "create": """exports.handler = async (e) => { e.response.publicChallengeParameters = { q: "open?" };
  e.response.privateChallengeParameters = { a: "sesame" }; return e; };""",
    "verify": """exports.handler = async (e) => { e.response.answerCorrect = e.request.challengeAnswer === e.request.privateChallengeParameters.a; return e; };""",
}
arns = {}
for name, source in sources.items():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.js", source)
    fn = lam.create_function(
        FunctionName=f"boto3-{run}-{name}",
        Runtime="nodejs20.x",
        Role="arn:aws:iam::000000000000:role/boto3",
        Handler="index.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    arns[name] = fn["FunctionArn"]
invoked = lam.invoke(FunctionName=f"boto3-{run}-create", Payload=json.dumps({"request": {}, "response": {}}).encode())
out["invoke"] = json.loads(invoked["Payload"].read())["response"]["publicChallengeParameters"]

idp = boto3.client("cognito-idp")
pool = idp.create_user_pool(
    PoolName=f"boto3-{run}",
    UsernameAttributes=["email"],
    LambdaConfig={"DefineAuthChallenge": arns["define"], "CreateAuthChallenge": arns["create"], "VerifyAuthChallengeResponse": arns["verify"]},
)["UserPool"]["Id"]
client = idp.create_user_pool_client(UserPoolId=pool, ClientName="boto3", ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
idp.admin_create_user(UserPoolId=pool, Username=f"{run}@example.com", MessageAction="SUPPRESS")
started = idp.initiate_auth(ClientId=client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": f"{run}@example.com"})
out["challenge"] = started["ChallengeParameters"]["q"]
wrong = idp.respond_to_auth_challenge(
    ClientId=client, ChallengeName="CUSTOM_CHALLENGE", Session=started["Session"],
    ChallengeResponses={"USERNAME": started["ChallengeParameters"]["USERNAME"], "ANSWER": "nope"},
)
right = idp.respond_to_auth_challenge(
    ClientId=client, ChallengeName="CUSTOM_CHALLENGE", Session=wrong["Session"],
    ChallengeResponses={"USERNAME": started["ChallengeParameters"]["USERNAME"], "ANSWER": "sesame"},
)
out["tokens"] = sorted(k for k in right["AuthenticationResult"] if k.endswith("Token"))
out["reused_session"] = code(lambda: idp.respond_to_auth_challenge(
    ClientId=client, ChallengeName="CUSTOM_CHALLENGE", Session=wrong["Session"],
    ChallengeResponses={"USERNAME": started["ChallengeParameters"]["USERNAME"], "ANSWER": "sesame"},
))
print(json.dumps(out))
