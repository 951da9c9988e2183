import { strToU8, zipSync } from "fflate";
import { loadModel } from "../../../server/protocol/model.js";
import { fixtureImages, readFixture } from "../../../server/faces/fixtures.js";
import { cognitoActions } from "../../../server/cognito/index.js";
import { lambdaActions } from "../../../server/lambda/index.js";
import { s3Actions } from "../../../server/storage/s3/index.js";
import { sesActions } from "../../../server/ses/index.js";
import { DYNALITE_OPERATIONS } from "../../../server/storage/dynamodb/operations.js";
import type { Random } from "./random.js";
import { readModel, type FuzzModel, type FuzzShape, type GenOptions } from "./values.js";
import type { ServiceWire, WireRequest } from "./wire.js";

/**
 * The services the fuzz suite drives: their models, the operations rekognito implements (read
 * from the services' own action maps, so a new action is fuzzed as soon as it exists), the
 * special values that get a request past the first check (a real face image, a real zip), and
 * the inputs that once took the stack down (deep DynamoDB values, nested parentheses).
 */
export interface FuzzService extends ServiceWire {
  /** The implemented operations (fuzzed most). */
  implemented: string[];
  special?: GenOptions["special"];
  /** Drops a request this service cannot yet answer right (each with its owner, in a comment). */
  excludeRequest?: (request: WireRequest) => boolean;
}

const images = [
  ...fixtureImages({ kind: "document" }).slice(0, 3),
  ...fixtureImages({ kind: "selfie" }).slice(0, 3),
].map((i) => readFixture(i));
export const FIXTURE_IMAGES = images;

export const ECHO_SOURCE = "exports.handler = async (event) => ({ echo: event });";
export const ECHO_ZIP = zipSync({ "index.js": strToU8(ECHO_SOURCE) });

const rekognitionModel = loadModel("rekognition") as unknown as FuzzModel;
const cognitoModel = loadModel("cognito-idp") as unknown as FuzzModel;
const lambdaModel = loadModel("lambda") as unknown as FuzzModel;
const dynamodbModel = readModel(new URL("../models/dynamodb.json", import.meta.url));
const s3Model = readModel(new URL("../models/s3.json", import.meta.url));
const sesModel = readModel(new URL("../models/sesv2.json", import.meta.url));

const PASSWORD = "Passw0rd!Fuzz";

/** An AttributeValue as DynamoDB wants it: exactly one type member. */
function attributeValue(random: Random, depth = 0): Record<string, unknown> {
  const kind = random.pick(depth > 2 ? ["S", "N", "BOOL", "NULL", "SS", "B"] : ["S", "N", "BOOL", "NULL", "SS", "B", "M", "L"]);
  switch (kind) {
    case "S":
      return { S: random.pick(["v", "fuzz", "", "😀", "x".repeat(random.between(1, 40))]) };
    case "N":
      return { N: random.pick(["1", "-0.5", "1e10", "abc", "99999999999999999999999999999999999999999"]) };
    case "BOOL":
      return { BOOL: random.chance(0.5) };
    case "NULL":
      return { NULL: true };
    case "SS":
      return { SS: random.pick([["a", "b"], ["a", "a"], []]) };
    case "B":
      return { B: random.bytes(4).toString("base64") };
    case "M":
      return { M: { a: attributeValue(random, depth + 1) } };
    default:
      return { L: [attributeValue(random, depth + 1)] };
  }
}

/** An AttributeValue nested `depth` levels in L or M. */
function deepAttributeValue(depth: number, random: Random): Record<string, unknown> {
  let v: Record<string, unknown> = { S: "leaf" };
  const asList = random.chance(0.5);
  for (let i = 0; i < depth; i++) v = asList ? { L: [v] } : { M: { a: v } };
  return v;
}

export const rekognition: FuzzService = {
  name: "rekognition",
  model: rekognitionModel,
  protocol: "json",
  signingName: "rekognition",
  implemented: ["CreateCollection", "DeleteCollection", "DescribeCollection", "ListCollections", "IndexFaces", "ListFaces", "DeleteFaces", "SearchFaces", "SearchFacesByImage", "CompareFaces", "DetectFaces"],
  special: (member, _shape, random) => {
    if (member === "Bytes" && random.chance(0.7)) return random.pick(images).toString("base64");
    return undefined;
  },
};

export const cognito: FuzzService = {
  name: "cognito-idp",
  model: cognitoModel,
  protocol: "json",
  signingName: "cognito-idp",
  implemented: Object.keys(cognitoActions),
  special: (member, _shape, random) => {
    if (/Password$/.test(member) && random.chance(0.6)) return PASSWORD;
    if (member === "AuthParameters" && random.chance(0.7)) {
      return { USERNAME: random.pick(["fuzz-user", "nobody", "fuzz@example.com"]), PASSWORD, ...(random.chance(0.2) ? { SRP_A: "abc" } : {}) };
    }
    if (member === "ChallengeResponses" && random.chance(0.7)) return { USERNAME: "fuzz-user", ANSWER: random.pick(["x", "123456"]), NEW_PASSWORD: PASSWORD };
    if (member === "UserAttributes" && random.chance(0.6)) return [{ Name: "email", Value: `${random.string(5, "abcdef")}@example.com` }];
    return undefined;
  },
};

export const dynamodb: FuzzService = {
  name: "dynamodb",
  model: dynamodbModel,
  protocol: "json",
  signingName: "dynamodb",
  implemented: [...DYNALITE_OPERATIONS],
  special: (member, shape, random) => {
    // What once took the whole stack down (issue 10, part 2): values nested past AWS's 32 levels
    // and expressions of nested parentheses. Now refused with ValidationException.
    if (shape === dynamodbModel.shapes["AttributeValue"]) return random.chance(0.02) ? deepAttributeValue(random.between(30, 1500), random) : attributeValue(random);
    if (/Expression$/.test(member) && random.chance(0.03)) {
      const n = random.between(10, 40);
      return `${"(".repeat(n)}pk = :v${")".repeat(random.chance(0.8) ? n : n - 1)}`;
    }
    if ((member === "Key" || member === "ExclusiveStartKey") && random.chance(0.7)) return { pk: { S: random.pick(["a", "b", "item-1"]) } };
    if (member === "Item" && random.chance(0.7)) {
      return { pk: { S: random.pick(["a", "b", "item-1"]) }, v: random.chance(0.05) ? deepAttributeValue(random.between(30, 1500), random) : attributeValue(random) };
    }
    if (/Expression$/.test(member) && random.chance(0.6)) return random.pick(["pk = :v", "attribute_exists(pk)", "SET v = :v", "#n = :v", "pk = :v AND v > :w", "REMOVE v"]);
    if (member === "ExpressionAttributeValues" && random.chance(0.6)) return { ":v": attributeValue(random), ":w": { N: "1" } };
    if (member === "ExpressionAttributeNames" && random.chance(0.6)) return { "#n": "pk" };
    return undefined;
  },
};

export const lambda: FuzzService = {
  name: "lambda",
  model: lambdaModel,
  protocol: "rest-json",
  signingName: "lambda",
  implemented: Object.keys(lambdaActions),
  payloadOf: (operation) => (operation === "Invoke" ? "Payload" : undefined),
  special: (member, _shape, random) => {
    if (member === "ZipFile" && random.chance(0.5)) return Buffer.from(ECHO_ZIP).toString("base64");
    if (member === "Payload" && random.chance(0.7)) return Buffer.from(JSON.stringify({ hello: random.pick(["world", "😀", ""]) })).toString("base64");
    if (member === "Handler" && random.chance(0.6)) return "index.handler";
    if (member === "Runtime" && random.chance(0.6)) return "nodejs20.x";
    return undefined;
  },
};

export const ses: FuzzService = {
  name: "ses",
  model: sesModel,
  protocol: "rest-json",
  signingName: "ses",
  implemented: Object.keys(sesActions),
  special: (member, _shape, random) => {
    if (member === "ToAddresses" && random.chance(0.6)) return [`${random.string(6, "abcdef")}@example.com`];
    if (member === "FromEmailAddress" && random.chance(0.6)) return "app@example.com";
    return undefined;
  },
};

export const s3: FuzzService = {
  name: "s3",
  model: s3Model,
  protocol: "rest-xml",
  signingName: "s3",
  implemented: Object.keys(s3Actions),
  special: (member, shape, random) => {
    if (member === "Body" && shape.type === "blob") {
      return random.chance(0.3) ? random.pick(images).toString("base64") : random.bytes(random.between(0, 64)).toString("base64");
    }
    if (member === "Policy" && random.chance(0.6)) {
      return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: random.pick(["Allow", "Deny"]), Principal: random.pick(["*", { AWS: "*" }]), Action: "s3:GetObject", Resource: "arn:aws:s3:::fuzz-bucket/*" }],
      });
    }
    if (member === "CopySource" && random.chance(0.6)) return random.pick(["fuzz-bucket/text.txt", "/fuzz-bucket/image.jpg", "nobucket/x", "fuzz-bucket/%zz"]);
    return undefined;
  },
};

export const SERVICES: readonly FuzzService[] = [rekognition, cognito, dynamodb, lambda, ses, s3];

/** A shape's name for messages. */
export function shapeType(shape: FuzzShape | undefined): string {
  return shape?.type ?? "none";
}
