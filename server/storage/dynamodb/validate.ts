import type { AwsError } from "../../protocol/errors.js";
import { validationMessage } from "../../protocol/model.js";
import { DynamoDBErrors } from "./errors.js";
import { expressionProblem, type ExpressionKind } from "./expressions.js";

/**
 * What dynalite cannot survive, answered before it with DynamoDB's own errors:
 *
 * - values nested deeper than DynamoDB's 32 levels (dynalite overflows its stack on a few
 *   hundred, and it ran in the server's process);
 * - expressions over DynamoDB's size and operator limits, or with redundant parentheses
 *   (dynalite's parser is exponential in nesting);
 * - a tag without its Key or Value (dynalite hands `undefined` to LevelDB, which throws);
 * - null in a list of structures (dynalite reads members of it and throws): refused as AWS
 *   refuses a missing member, "Value null at 'tags.1.member' failed to satisfy constraint:
 *   Member must not be null" (so the gateway's model validation words it for other services);
 * - null in place of an attribute value, or of a structure in a map: sent as `{}`, an empty
 *   one, so dynalite answers what it answers for that: "Supplied AttributeValue is empty, …",
 *   "Value null at '…' failed to satisfy constraint: …", in the words of its context;
 *   a body that is JSON `null` is sent as `{}`, as dynalite reads any body that is not an object;
 * - null in a string or binary set (dynalite throws; it answers a number set's itself). What
 *   AWS answers there is not documented: the wording is rekognito's, in DynamoDB's style.
 *
 * Everything is walked iteratively, so the check itself cannot overflow. The shapes walked are
 * those of botocore's DynamoDB model (2012-08-10) for the operations dynalite serves, reduced to
 * where attribute values, expressions and lists or maps of structures are.
 */

/** One AttributeValue: S, N, B, SS, NS, BS, BOOL, NULL, or M (a map of them) or L (a list). */
type Shape =
  | "value"
  | "struct"
  | { expression: ExpressionKind; name: string }
  | { list: Shape }
  | { map: Shape }
  | { members: Record<string, Shape> };

const VALUES: Shape = { map: "value" };
const condition = (name: string): Shape => ({ expression: "condition", name });
const CONDITION: Shape = condition("ConditionExpression");
const FILTER: Shape = condition("FilterExpression");
const PROJECTION: Shape = { expression: "projection", name: "ProjectionExpression" };
const UPDATE: Shape = { expression: "update", name: "UpdateExpression" };
/** The legacy Condition (ScanFilter, QueryFilter, KeyConditions) and ExpectedAttributeValue. */
const LEGACY_CONDITIONS: Shape = { map: { members: { Value: "value", AttributeValueList: { list: "value" } } } };
const KEY_SCHEMA: Shape = { list: "struct" };
const INDEXES: Shape = { list: { members: { KeySchema: KEY_SCHEMA } } };

const OPERATIONS: Record<string, Record<string, Shape>> = {
  PutItem: { Item: VALUES, Expected: LEGACY_CONDITIONS, ExpressionAttributeValues: VALUES, ConditionExpression: CONDITION },
  UpdateItem: {
    Key: VALUES,
    AttributeUpdates: { map: { members: { Value: "value" } } },
    Expected: LEGACY_CONDITIONS,
    ExpressionAttributeValues: VALUES,
    UpdateExpression: UPDATE,
    ConditionExpression: CONDITION,
  },
  DeleteItem: { Key: VALUES, Expected: LEGACY_CONDITIONS, ExpressionAttributeValues: VALUES, ConditionExpression: CONDITION },
  GetItem: { Key: VALUES, ProjectionExpression: PROJECTION },
  BatchGetItem: { RequestItems: { map: { members: { Keys: { list: VALUES }, ProjectionExpression: PROJECTION } } } },
  BatchWriteItem: {
    RequestItems: { map: { list: { members: { PutRequest: { members: { Item: VALUES } }, DeleteRequest: { members: { Key: VALUES } } } } } },
  },
  Query: {
    ExclusiveStartKey: VALUES,
    ExpressionAttributeValues: VALUES,
    KeyConditions: LEGACY_CONDITIONS,
    QueryFilter: LEGACY_CONDITIONS,
    KeyConditionExpression: condition("KeyConditionExpression"),
    FilterExpression: FILTER,
    ProjectionExpression: PROJECTION,
  },
  Scan: { ExclusiveStartKey: VALUES, ExpressionAttributeValues: VALUES, ScanFilter: LEGACY_CONDITIONS, FilterExpression: FILTER, ProjectionExpression: PROJECTION },
  TagResource: { Tags: { list: "struct" } },
  CreateTable: {
    AttributeDefinitions: { list: "struct" },
    KeySchema: KEY_SCHEMA,
    GlobalSecondaryIndexes: INDEXES,
    LocalSecondaryIndexes: INDEXES,
    Tags: { list: "struct" },
  },
  UpdateTable: {
    AttributeDefinitions: { list: "struct" },
    GlobalSecondaryIndexUpdates: { list: { members: { Create: { members: { KeySchema: KEY_SCHEMA } } } } },
  },
};

/** DynamoDB counts the attribute itself as level 1: a leaf at level 32 is the deepest accepted. */
export const MAX_NESTING_LEVELS = 32;

/**
 * No request of the operations above is deeper than about 70 JSON levels while its values keep
 * to 32 (each M or L level is two: the map or list, and the value in it). Anything deeper is
 * refused before it is even parsed, whatever the operation.
 */
const MAX_JSON_DEPTH = 100;

/** The deepest nesting of `[` and `{` in JSON text, stopping early past `limit`. Linear, no parse. */
export function jsonDepth(body: Buffer, limit: number): number {
  return scanJson(body, limit).deepest;
}

/**
 * One pass over JSON text: its deepest nesting of `[` and `{` (stopping early past `limit`), and
 * whether it has a `null` (an `n` outside strings: no other JSON token has one) or a backslash
 * anywhere (an escape, which could spell a member's name in other bytes).
 */
function scanJson(body: Buffer, limit: number): { deepest: number; nullOrEscape: boolean } {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  let nullOrEscape = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (inString) {
      if (b === 0x5c) {
        nullOrEscape = true;
        i++; // backslash: skip the escaped byte
      } else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return { deepest, nullOrEscape };
      }
    } else if (b === 0x5d || b === 0x7d) depth--;
    else if (b === 0x6e || b === 0x5c) nullOrEscape = true;
  }
  return { deepest, nullOrEscape };
}

/**
 * Deep enough that an attribute value could be past MAX_NESTING_LEVELS: a value of level L is at
 * least 2L + 1 JSON levels deep (the body, Item, then two a level: the value and its M or L).
 */
const DEEP_ENOUGH_FOR_LEVELS = 2 * (MAX_NESTING_LEVELS + 1) + 1;

/** What every expression member's name ends with, as its key's bytes when nothing is escaped. */
const EXPRESSION_KEY = Buffer.from('Expression"');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/**
 * Where a value is, as AWS's paths name it ('requestItems.t.member.1.member'): a member (its
 * name, first letter lower-cased), a list's element (its index from 1) or a map's value (its
 * key), each of the last two followed by `.member`. Spelt out only for a null's message.
 */
interface Where {
  up: Where | null;
  member?: string;
  index?: number;
  key?: string;
}

function spell(where: Where): string {
  const here = where.member !== undefined ? lowerFirst(where.member) : where.index !== undefined ? `${where.index + 1}.member` : `${where.key}.member`;
  return where.up ? `${spell(where.up)}.${here}` : here;
}

/** The sets whose null elements dynalite cannot take, and what they hold (for the message). */
const SETS = [
  ["SS", "string"],
  ["BS", "binary"],
] as const;

export type Checked = { error: AwsError } | { body: Buffer | undefined };

/**
 * Checks one request for `action` (the X-Amz-Target's operation). Answers the error to send,
 * or the body to forward: the same bytes, or re-serialised when nulls were replaced.
 */
export function checkRequest(action: string, body: Buffer | undefined): Checked {
  if (!body || body.length === 0) return { body };
  const scanned = scanJson(body, MAX_JSON_DEPTH);
  if (scanned.deepest > MAX_JSON_DEPTH) return { error: DynamoDBErrors.nesting() };
  if (body.length <= 8 && body.toString("utf8").trim() === "null") return { body: Buffer.from("{}") };
  const members = OPERATIONS[action];
  if (!members) return { body };
  // Nothing below can find anything in a body without a null, an escape or an expression, too
  // shallow for a value past 32 levels, and not TagResource's or UpdateTable's (checked below):
  // such a body (a PutItem's, most often) goes as it is, unparsed.
  if (!scanned.nullOrEscape && scanned.deepest < DEEP_ENOUGH_FOR_LEVELS && action !== "TagResource" && action !== "UpdateTable" && body.indexOf(EXPRESSION_KEY) < 0) return { body };
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    return { body }; // dynalite answers its SerializationException
  }
  if (!isObject(input)) return { body };

  let changed = false;
  let tooDeep = false;
  let expressionError: AwsError | null = null;
  let setError: AwsError | null = null;
  // What is left to walk: a value, its shape, and the level of the attribute value holding it.
  // Where each is, in AWS's paths ('requestItems.t.member.1.member'), for a null's message.
  const stack: { value: unknown; shape: Shape; level: number; path: Where }[] = [];
  const nulls: string[] = [];
  for (const name in members) {
    if (name in input) stack.push({ value: input[name], shape: members[name]!, level: 0, path: { up: null, member: name } });
  }
  /**
   * A list element or map value. A null list element of structures is refused as AWS refuses a
   * missing member; any other null (an attribute value, a map's value) becomes an empty one
   * (`[]` for a list, else `{}`) for dynalite to answer.
   */
  const element = (holder: Record<string, unknown> | unknown[], slot: string | number, shape: Shape, level: number, path: Where) => {
    const slots = holder as Record<string | number, unknown>;
    if (slots[slot] !== null) stack.push({ value: slots[slot], shape, level, path });
    else if (Array.isArray(holder) && shape !== "value") nulls.push(`Value null at '${spell(path)}' failed to satisfy constraint: Member must not be null`);
    else {
      slots[slot] = typeof shape === "object" && "list" in shape ? [] : {};
      changed = true;
    }
  };
  while (stack.length && !tooDeep) {
    const { value, shape, level, path } = stack.pop()!;
    if (value === null || value === undefined) continue;
    if (shape === "value") {
      // An attribute value: its level is one more than its container's.
      const here = level + 1;
      if (here > MAX_NESTING_LEVELS) {
        tooDeep = true;
        break;
      }
      if (!isObject(value)) continue; // dynalite answers the SerializationException
      for (const [set, what] of SETS) {
        const elements = value[set];
        if (!setError && Array.isArray(elements) && elements.includes(null)) {
          setError = DynamoDBErrors.validation(`One or more parameter values were invalid: A ${what} set may not contain null`);
        }
      }
      if (isObject(value["M"])) {
        const m = value["M"];
        for (const k of Object.keys(m)) element(m, k, "value", here, path);
      }
      if (Array.isArray(value["L"])) {
        const l = value["L"];
        for (let i = 0; i < l.length; i++) element(l, i, "value", here, path);
      }
      continue;
    }
    if (shape === "struct") continue;
    if ("expression" in shape) {
      if (typeof value === "string" && !expressionError) {
        const problem = expressionProblem(value, shape.expression);
        if (problem) expressionError = DynamoDBErrors.expression(shape.name, problem);
      }
      continue;
    }
    if ("list" in shape) {
      if (Array.isArray(value)) for (let i = 0; i < value.length; i++) element(value, i, shape.list, level, { up: path, index: i });
      continue;
    }
    if ("map" in shape) {
      if (isObject(value)) for (const k of Object.keys(value)) element(value, k, shape.map, level, { up: path, key: k });
      continue;
    }
    if (isObject(value)) {
      for (const name in shape.members) {
        if (name in value) stack.push({ value: value[name], shape: shape.members[name]!, level, path: { up: path, member: name } });
      }
    }
  }
  if (tooDeep) return { error: DynamoDBErrors.nesting() };
  if (expressionError) return { error: expressionError };
  if (setError) return { error: setError };
  if (nulls.length) return { error: DynamoDBErrors.validation(validationMessage(nulls)) };
  if (action === "UpdateTable" && Array.isArray(input["GlobalSecondaryIndexUpdates"])) {
    // dynalite changes an index's throughput, but answers a Create or Delete 200 and does nothing.
    const change = input["GlobalSecondaryIndexUpdates"].find((u) => isObject(u) && (isObject(u["Create"]) || isObject(u["Delete"]))) as Record<string, unknown> | undefined;
    if (change) {
      return { error: DynamoDBErrors.notImplemented(`UpdateTable's GlobalSecondaryIndexUpdates ${isObject(change["Create"]) ? "Create" : "Delete"} (adding or removing an index of an existing table; give CreateTable the table's indexes instead)`) };
    }
  }
  if (action === "TagResource") {
    const errors = tagErrors(input["Tags"]);
    if (errors.length) return { error: DynamoDBErrors.validation(validationMessage(errors)) };
  }
  return { body: changed ? Buffer.from(JSON.stringify(input)) : body };
}

/**
 * TagResource's Tags as AWS's model constrains them (Tag: Key and Value required; TagKeyString
 * 1 to 128 characters, TagValueString 0 to 256), in its validation wording. dynalite checks
 * none of it, and a tag without a Value ended the server.
 */
function tagErrors(tags: unknown): string[] {
  const errors: string[] = [];
  if (!Array.isArray(tags)) return errors;
  tags.forEach((tag, i) => {
    if (!isObject(tag)) return;
    const at = (member: string) => `tags.${i + 1}.member.${member}`;
    for (const [member, name, min, max] of [
      ["key", "Key", 1, 128],
      ["value", "Value", 0, 256],
    ] as const) {
      const v = tag[name];
      if (v === undefined || v === null) errors.push(`Value null at '${at(member)}' failed to satisfy constraint: Member must not be null`);
      else if (typeof v === "string") {
        const length = [...v].length;
        if (length < min) errors.push(`Value '${v}' at '${at(member)}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
        if (length > max) errors.push(`Value '${v}' at '${at(member)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
      }
    }
  });
  return errors;
}
