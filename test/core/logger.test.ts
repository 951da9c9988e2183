import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { colorWanted, requestText, TerminalLogger, type TerminalOptions } from "../../server/core/logger.js";
import { isExpectedAnswer, sniffErrorType } from "../../server/console/requests.js";

/** The dev server's terminal: what a developer reads while the stack runs. */

function terminal(options: Omit<TerminalOptions, "out" | "err"> & { tty?: boolean } = {}) {
  const text = { out: "", err: "" };
  const out = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  const err = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  out.on("data", (d) => (text.out += d));
  err.on("data", (d) => (text.err += d));
  return { logger: new TerminalLogger({ ...options, out, err }), text };
}

const ESC = "\u001b[";

describe("the terminal log", () => {
  it("colours only a terminal, and never with NO_COLOR set", () => {
    expect(colorWanted({ isTTY: true }, {})).toBe(true);
    expect(colorWanted({ isTTY: false }, {})).toBe(false);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    // https://no-color.org: only a non-empty NO_COLOR counts.
    expect(colorWanted({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colorWanted({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: "" })).toBe(false);

    const piped = terminal({ env: {} });
    piped.logger.request({ service: "s3", action: "PutObject", status: 500, ms: 1, errorType: "InternalError" });
    expect(piped.text.err).not.toContain(ESC);
    const tty = terminal({ tty: true, env: {} });
    tty.logger.request({ service: "s3", action: "PutObject", status: 500, ms: 1, errorType: "InternalError" });
    expect(tty.text.err).toContain(`${ESC}31m`);
    const noColor = terminal({ tty: true, env: { NO_COLOR: "1" } });
    noColor.logger.request({ service: "s3", action: "PutObject", status: 500, ms: 1 });
    expect(noColor.text.err).not.toContain(ESC);
  });

  it("prints one line per request: service, action, status, milliseconds and the AWS error type", () => {
    const { logger, text } = terminal();
    logger.request({ service: "cognito-idp", action: "InitiateAuth", status: 400, ms: 2.345, errorType: "NotAuthorizedException" });
    logger.request({ service: "rekognition", action: "SearchFacesByImage", status: 200, ms: 1.2 });
    const lines = text.out.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^cognito-idp +InitiateAuth +400 +2\.3ms NotAuthorizedException$/);
    expect(lines[1]).toMatch(/^rekognition +SearchFacesByImage +200 +1\.2ms$/);
    expect(requestText({ service: "s3", action: "GetObject", status: 404, ms: 0.42, errorType: "NoSuchKey" })).toBe("s3 GetObject 404 0.4ms NoSuchKey");
  });

  it("shows an expected lookup plainly, not as a failure", () => {
    const { logger, text } = terminal({ tty: true, env: {} });
    logger.request({ service: "s3", action: "HeadBucket", status: 404, ms: 0.5, errorType: "NotFound", expected: true });
    logger.request({ service: "s3", action: "GetObject", status: 404, ms: 0.5, errorType: "NoSuchKey" });
    const [expected, failure] = text.out.trimEnd().split("\n");
    // Dim (2), neither yellow (33) nor red (31); the real failure is yellow.
    expect(expected).toContain(`${ESC}2m`);
    expect(expected).not.toMatch(/\u001b\[3[13]m/);
    expect(failure).toContain(`${ESC}33m`);
  });

  it("knows the lookups and conditions whose error answers are expected", () => {
    expect(isExpectedAnswer("s3", "HeadBucket", 404, "NotFound")).toBe(true);
    expect(isExpectedAnswer("dynamodb", "DescribeTable", 400, "ResourceNotFoundException")).toBe(true);
    expect(isExpectedAnswer("lambda", "GetFunctionConfiguration", 404, "ResourceNotFoundException")).toBe(true);
    expect(isExpectedAnswer("dynamodb", "UpdateItem", 400, "ConditionalCheckFailedException")).toBe(true);
    expect(isExpectedAnswer("s3", "GetBucketCors", 404, "NoSuchCORSConfiguration")).toBe(true);
    // Real failures stay failures.
    expect(isExpectedAnswer("s3", "GetObject", 404, "NoSuchKey")).toBe(false);
    expect(isExpectedAnswer("dynamodb", "PutItem", 400, "ValidationException")).toBe(false);
    expect(isExpectedAnswer("dynamodb", "DescribeTable", 500, "InternalServerError")).toBe(false);
    expect(isExpectedAnswer("cognito-idp", "InitiateAuth", 400, "NotAuthorizedException")).toBe(false);
  });

  it("reads the error type of proxied answers from their body", () => {
    expect(sniffErrorType(Buffer.from('{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"x"}'))).toBe("ResourceNotFoundException");
    expect(sniffErrorType('<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>')).toBe("NoSuchKey");
    expect(sniffErrorType("not an error")).toBeUndefined();
  });

  it("levels: --quiet keeps warnings and errors, --verbose adds debug; a quiet phase makes its requests debug", async () => {
    const quiet = terminal({ level: "warn" });
    quiet.logger.info("hello");
    quiet.logger.request({ service: "s3", action: "ListBuckets", status: 200, ms: 1 });
    quiet.logger.warn("careful");
    expect(quiet.text.out).toBe("");
    expect(quiet.text.err).toBe("careful\n");

    const normal = terminal();
    await normal.logger.quietly(async () => {
      normal.logger.request({ service: "s3", action: "CreateBucket", status: 200, ms: 1 });
      normal.logger.info("[stack] provisioning detail");
    });
    normal.logger.request({ service: "s3", action: "ListBuckets", status: 200, ms: 1 });
    expect(normal.text.out.trimEnd().split("\n")).toEqual([expect.stringMatching(/^s3 +ListBuckets/)]);

    const verbose = terminal({ level: "debug" });
    await verbose.logger.quietly(async () => verbose.logger.request({ service: "s3", action: "CreateBucket", status: 200, ms: 1 }));
    expect(verbose.text.out).toMatch(/CreateBucket/);
  });
});
