import { describe, expect, it } from "vitest";
import { evaluate, globMatch, inCidr, isPublicPolicy, parseBucketPolicy, readStoredPolicy, type PolicyPrincipal, type PolicyRequest } from "../../server/storage/s3/policy.js";
import { authorize, callerOf, isAllowed, isLoopbackHost, secureTransport, type RequestFacts } from "../../server/storage/s3/access.js";
import { S3Error } from "../../server/storage/s3/errors.js";

/** The bucket-policy evaluator and S3's authorization step, without HTTP. */

const anonymous: PolicyPrincipal = { kind: "anonymous" };
const account: PolicyPrincipal = { kind: "account", accountId: "000000000000", arn: "arn:aws:iam::000000000000:root" };
const doc = (...statements: Record<string, unknown>[]) => parseBucketPolicy(JSON.stringify({ Version: "2012-10-17", Statement: statements }), "photos");
const request = (over: Partial<PolicyRequest> = {}): PolicyRequest => ({
  principal: anonymous,
  action: "s3:GetObject",
  resource: "arn:aws:s3:::photos/a.jpg",
  context: { "aws:sourceip": "127.0.0.1", "aws:securetransport": "true" },
  ...over,
});
const allowAll = { Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::photos/*" };

describe("matching", () => {
  it("matches IAM wildcards: * any run, ? one character, case as asked", () => {
    expect(globMatch("s3:Get*", "s3:GetObject", true)).toBe(true);
    expect(globMatch("S3:GETOBJECT", "s3:GetObject", true)).toBe(true);
    expect(globMatch("s3:Put?bject", "s3:PutObject", true)).toBe(true);
    expect(globMatch("s3:Put?bject", "s3:PutObjectAcl", true)).toBe(false);
    expect(globMatch("arn:aws:s3:::photos/*", "arn:aws:s3:::photos", false)).toBe(false);
    expect(globMatch("arn:aws:s3:::photos/*/thumb-*.jpg", "arn:aws:s3:::photos/2026/03/thumb-1.jpg", false)).toBe(true);
    expect(globMatch("arn:aws:s3:::Photos/*", "arn:aws:s3:::photos/a", false)).toBe(false);
    // Many stars against a long value stay linear (no backtracking blow-up).
    expect(globMatch("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000), false)).toBe(false);
  });

  it("tests addresses against CIDR blocks, IPv4, IPv6 and IPv4-mapped IPv6", () => {
    expect(inCidr("127.0.0.1", "127.0.0.0/8")).toBe(true);
    expect(inCidr("10.1.2.3", "127.0.0.0/8")).toBe(false);
    expect(inCidr("192.168.1.20", "192.168.1.20")).toBe(true);
    expect(inCidr("::ffff:127.0.0.1", "127.0.0.0/8")).toBe(true);
    expect(inCidr("::1", "::1/128")).toBe(true);
    expect(inCidr("2001:db8::5", "2001:db8::/32")).toBe(true);
    expect(inCidr("2001:db9::5", "2001:db8::/32")).toBe(false);
    expect(inCidr("127.0.0.1", "::/0")).toBe(false);
    expect(inCidr("127.0.0.1", "not-a-cidr")).toBe(false);
  });
});

describe("evaluation", () => {
  it("allows what an Allow names, says nothing of the rest, and lets an explicit Deny win", () => {
    const policy = doc(allowAll, { Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::photos/keep/*" });
    expect(evaluate(policy, request())).toBe("allow");
    expect(evaluate(policy, request({ action: "s3:ListBucket", resource: "arn:aws:s3:::photos" }))).toBe("noMatch");
    expect(evaluate(policy, request({ action: "s3:DeleteObject", resource: "arn:aws:s3:::photos/keep/x" }))).toBe("explicitDeny");
    expect(evaluate(undefined, request())).toBe("noMatch");
  });

  it("reads principals: * and AWS * take in anonymous callers, the account's id or root ARN only the account", () => {
    for (const principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::111122223333:root", "*"] }]) {
      expect(evaluate(doc({ ...allowAll, Principal: principal }), request())).toBe("allow");
    }
    for (const principal of [{ AWS: "000000000000" }, { AWS: "arn:aws:iam::000000000000:root" }]) {
      expect(evaluate(doc({ ...allowAll, Principal: principal }), request())).toBe("noMatch");
      expect(evaluate(doc({ ...allowAll, Principal: principal }), request({ principal: account }))).toBe("allow");
    }
    // Another account, a service, a role this emulator cannot tell apart: none is this caller.
    for (const principal of [{ AWS: "111122223333" }, { Service: "cloudfront.amazonaws.com" }, { AWS: "arn:aws:iam::000000000000:role/app" }]) {
      expect(evaluate(doc({ ...allowAll, Principal: principal }), request({ principal: account }))).toBe("noMatch");
    }
    // NotPrincipal: everyone but the account.
    const notAccount = doc({ Effect: "Deny", NotPrincipal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "s3:*", Resource: "arn:aws:s3:::photos/*" });
    expect(evaluate(notAccount, request())).toBe("explicitDeny");
    expect(evaluate(notAccount, request({ principal: account }))).toBe("noMatch");
  });

  it("reads NotAction and NotResource as everything but what they list", () => {
    const policy = doc({ Effect: "Deny", Principal: "*", NotAction: ["s3:GetObject", "s3:List*"], NotResource: "arn:aws:s3:::photos/public/*" });
    expect(evaluate(policy, request({ action: "s3:PutObject" }))).toBe("explicitDeny");
    expect(evaluate(policy, request({ action: "s3:GetObject" }))).toBe("noMatch");
    expect(evaluate(policy, request({ action: "s3:PutObject", resource: "arn:aws:s3:::photos/public/x" }))).toBe("noMatch");
  });

  const condition = (operator: string, values: Record<string, unknown>) => doc({ ...allowAll, Condition: { [operator]: values } });
  const holds = (operator: string, values: Record<string, unknown>, context: PolicyRequest["context"]) =>
    evaluate(condition(operator, values), request({ context })) === "allow";

  it("evaluates condition operators as IAM does, a missing key false for positive operators and true for negated ones", () => {
    expect(holds("StringEquals", { "aws:UserAgent": ["a", "b"] }, { "aws:useragent": "b" })).toBe(true);
    expect(holds("StringNotEquals", { "aws:UserAgent": ["a", "b"] }, { "aws:useragent": "b" })).toBe(false);
    expect(holds("StringEqualsIgnoreCase", { "aws:UserAgent": "CURL" }, { "aws:useragent": "curl" })).toBe(true);
    expect(holds("StringLike", { "aws:Referer": "https://*.example.com/*" }, { "aws:referer": "https://app.example.com/page" })).toBe(true);
    expect(holds("StringNotLike", { "aws:Referer": "https://*.example.com/*" }, { "aws:referer": "https://evil.test/" })).toBe(true);
    expect(holds("Bool", { "aws:SecureTransport": "false" }, { "aws:securetransport": "false" })).toBe(true);
    expect(holds("Bool", { "aws:SecureTransport": "FALSE" }, { "aws:securetransport": "false" })).toBe(true);
    expect(holds("IpAddress", { "aws:SourceIp": "10.0.0.0/8" }, { "aws:sourceip": "10.9.8.7" })).toBe(true);
    expect(holds("NotIpAddress", { "aws:SourceIp": "10.0.0.0/8" }, { "aws:sourceip": "10.9.8.7" })).toBe(false);
    expect(holds("NumericLessThanEquals", { "s3:max-keys": "10" }, { "s3:max-keys": "10" })).toBe(true);
    expect(holds("NumericGreaterThan", { "s3:max-keys": 10 }, { "s3:max-keys": "9" })).toBe(false);
    expect(holds("DateLessThan", { "aws:CurrentTime": "2026-04-01T00:00:00Z" }, { "aws:currenttime": "2026-03-10T15:00:00Z" })).toBe(true);
    expect(holds("DateGreaterThan", { "aws:EpochTime": "1773000000" }, { "aws:epochtime": "1773154800" })).toBe(true);
    expect(holds("ArnLike", { "aws:PrincipalArn": "arn:aws:iam::000000000000:*" }, { "aws:principalarn": "arn:aws:iam::000000000000:root" })).toBe(true);
    // Keys absent from the request.
    expect(holds("StringEquals", { "aws:SourceVpce": "vpce-1" }, {})).toBe(false);
    expect(holds("StringNotEquals", { "aws:SourceVpce": "vpce-1" }, {})).toBe(true);
    expect(holds("StringEqualsIfExists", { "aws:SourceVpce": "vpce-1" }, {})).toBe(true);
    expect(holds("Null", { "aws:PrincipalAccount": "true" }, {})).toBe(true);
    expect(holds("Null", { "aws:PrincipalAccount": "false" }, {})).toBe(false);
    expect(holds("ForAllValues:StringEquals", { "aws:TagKeys": ["a"] }, {})).toBe(true);
    expect(holds("ForAnyValue:StringEquals", { "aws:TagKeys": ["a"] }, {})).toBe(false);
    expect(holds("ForAnyValue:StringEquals", { "aws:TagKeys": ["a", "b"] }, { "aws:tagkeys": ["c", "b"] })).toBe(true);
    expect(holds("ForAllValues:StringEquals", { "aws:TagKeys": ["a", "b"] }, { "aws:tagkeys": ["c", "b"] })).toBe(false);
    // Condition key names are case-insensitive; every operator and every key must hold.
    expect(
      evaluate(
        doc({ ...allowAll, Condition: { Bool: { "AWS:SECURETRANSPORT": "true" }, IpAddress: { "aws:SourceIp": "127.0.0.0/8" } } }),
        request({ context: { "aws:securetransport": "true", "aws:sourceip": "10.0.0.1" } }),
      ),
    ).toBe("noMatch");
  });

  it("refuses at PutBucketPolicy what S3 refuses, in its words", () => {
    const refused = (statement: Record<string, unknown>, version?: string) => {
      try {
        parseBucketPolicy(JSON.stringify({ ...(version ? { Version: version } : {}), Statement: [statement] }), "photos");
      } catch (e) {
        return (e as S3Error).message;
      }
      return "accepted";
    };
    expect(refused(allowAll)).toBe("accepted");
    expect(refused({ ...allowAll, Resource: "arn:aws:s3:::ph*" })).toBe("accepted");
    expect(refused({ ...allowAll, Resource: "arn:aws:s3:::other/*" })).toBe("Policy has invalid resource");
    expect(refused({ ...allowAll, Resource: "photos/*" })).toBe("Policy has invalid resource");
    expect(refused({ ...allowAll, Action: "iam:PassRole" })).toBe("Policy has invalid action");
    expect(refused({ ...allowAll, Effect: "allow" })).toBe("Invalid effect: allow");
    expect(refused({ ...allowAll, Principal: { Group: "x" } })).toBe("Invalid principal in policy");
    expect(refused({ ...allowAll, Version: undefined }, "2020-01-01")).toBe("The policy must contain a valid version string");
    expect(refused({ Effect: "Allow", Principal: "*", Resource: "arn:aws:s3:::photos/*" })).toBe("Missing required field Action");
    expect(refused({ Effect: "Allow", Principal: "*", Action: "s3:*" })).toBe("Missing required field Resource");
    expect(refused({ ...allowAll, Condition: { StringEqualz: { "aws:UserAgent": "x" } } })).toBe("Invalid Condition type : StringEqualz");
  });

  it("reads a stored policy it cannot fully read the safe way: an unreadable Deny denies everything, an unreadable Allow grants nothing", () => {
    const stored = (statement: Record<string, unknown>) => readStoredPolicy(JSON.stringify({ Statement: [allowAll, statement] }), "photos");
    expect(evaluate(stored({ Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/*", Condition: { Unknown: { k: "v" } } }), request())).toBe("explicitDeny");
    const onlyBadAllow = readStoredPolicy(JSON.stringify({ Statement: [{ ...allowAll, Condition: { Unknown: { k: "v" } } }] }), "photos");
    expect(evaluate(onlyBadAllow, request())).toBe("noMatch");
    expect(evaluate(readStoredPolicy("not json", "photos"), request())).toBe("noMatch");
  });
});

describe("public or not, as S3's Block Public Access reads a policy", () => {
  it("calls a wildcard-principal Allow public unless a condition fixes it", () => {
    expect(isPublicPolicy(doc(allowAll))).toBe(true);
    expect(isPublicPolicy(doc({ ...allowAll, Principal: { AWS: "*" } }))).toBe(true);
    expect(isPublicPolicy(doc({ ...allowAll, Effect: "Deny" }))).toBe(false);
    expect(isPublicPolicy(doc({ ...allowAll, Principal: { AWS: "111122223333" } }))).toBe(false);
    expect(isPublicPolicy(doc({ ...allowAll, Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } }))).toBe(false);
    expect(isPublicPolicy(doc({ ...allowAll, Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } } }))).toBe(true);
    expect(isPublicPolicy(doc({ ...allowAll, Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } }))).toBe(false);
    expect(isPublicPolicy(doc({ ...allowAll, Condition: { StringLike: { "aws:SourceArn": "arn:aws:cloudfront::*" } } }))).toBe(true);
    expect(isPublicPolicy(doc({ ...allowAll, Condition: { StringEquals: { "aws:UserAgent": "curl" } } }))).toBe(true);
  });

  it("lets RestrictPublicBuckets cancel a public grant to anonymous callers, not the account's own access", () => {
    const access = { policy: doc(allowAll), publicAccessBlock: { RestrictPublicBuckets: true } };
    expect(isAllowed(access, anonymous, "s3:GetObject", "arn:aws:s3:::photos/a", {})).toBe(false);
    expect(isAllowed(access, account, "s3:GetObject", "arn:aws:s3:::photos/a", {})).toBe(true);
    expect(isAllowed({ ...access, publicAccessBlock: { RestrictPublicBuckets: false } }, anonymous, "s3:GetObject", "arn:aws:s3:::photos/a", {})).toBe(true);
  });
});

describe("the authorization step", () => {
  const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
    caller: { kind: "anonymous" },
    operation: "GetObject",
    query: {},
    headers: {},
    sourceIp: "127.0.0.1",
    secureTransport: true,
    region: "us-east-1",
    accountId: "000000000000",
    now: Date.UTC(2026, 2, 10),
    ...over,
  });
  const denied = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      return (e as S3Error).code;
    }
    return "allowed";
  };
  const none = { policy: undefined, publicAccessBlock: undefined };

  it("takes the caller the request policy established: anonymous, signed (with how), or unsigned served as signed under --accept-any-credentials", () => {
    expect(callerOf({ caller: { kind: "anonymous", trusted: false } })).toEqual({ kind: "anonymous" });
    expect(callerOf({ caller: null })).toEqual({ kind: "anonymous" });
    expect(callerOf({ caller: { kind: "anonymous", trusted: true } })).toEqual({ kind: "signed", accessKeyId: "" });
    const signed = { kind: "signed", accessKeyId: "AKID", verified: true, region: "us-east-1", service: "s3", signatureVersion: "AWS4-HMAC-SHA256" } as const;
    expect(callerOf({ caller: { ...signed, via: "header" } })).toEqual({ kind: "signed", accessKeyId: "AKID", authType: "REST-HEADER", signatureVersion: "AWS4-HMAC-SHA256" });
    expect(callerOf({ caller: { ...signed, via: "query", signatureVersion: "AWS" } })).toMatchObject({ authType: "REST-QUERY-STRING", signatureVersion: "AWS" });
  });

  it("denies anonymous ListBuckets and CreateBucket (no bucket policy can grant them) and lets a missing bucket answer for itself", () => {
    expect(denied(() => authorize(facts({ operation: "ListBuckets" }), undefined, undefined, undefined, () => undefined))).toBe("AccessDenied");
    expect(denied(() => authorize(facts({ operation: "CreateBucket" }), "new", undefined, undefined, () => undefined))).toBe("AccessDenied");
    expect(denied(() => authorize(facts({ operation: "ListBuckets", caller: { kind: "signed", accessKeyId: "x", authType: "REST-HEADER", signatureVersion: "AWS4-HMAC-SHA256" } }), undefined, undefined, undefined, () => undefined))).toBe("allowed");
    expect(denied(() => authorize(facts(), "missing", "a", undefined, () => undefined))).toBe("allowed");
    expect(denied(() => authorize(facts(), "photos", "a", none, () => undefined))).toBe("AccessDenied");
  });

  it("maps operations to their IAM actions and resources", () => {
    const grant = (action: string, resource: string) => ({ policy: doc({ Effect: "Allow", Principal: "*", Action: action, Resource: resource }), publicAccessBlock: undefined });
    expect(denied(() => authorize(facts({ operation: "HeadObject" }), "photos", "a", grant("s3:GetObject", "arn:aws:s3:::photos/a"), () => undefined))).toBe("allowed");
    expect(denied(() => authorize(facts({ operation: "ListObjectsV2" }), "photos", undefined, grant("s3:ListBucket", "arn:aws:s3:::photos"), () => undefined))).toBe("allowed");
    expect(denied(() => authorize(facts({ operation: "ListObjectsV2" }), "photos", undefined, grant("s3:ListBucket", "arn:aws:s3:::photos/*"), () => undefined))).toBe("AccessDenied");
    expect(denied(() => authorize(facts({ operation: "UploadPart" }), "photos", "a", grant("s3:PutObject", "arn:aws:s3:::photos/*"), () => undefined))).toBe("allowed");
    expect(denied(() => authorize(facts({ operation: "GetBucketPolicy" }), "photos", undefined, grant("s3:GetBucketPolicy", "arn:aws:s3:::photos"), () => undefined))).toBe("allowed");
    // CopyObject needs GetObject on its source too.
    const source = grant("s3:PutObject", "arn:aws:s3:::photos/*");
    expect(denied(() => authorize(facts({ operation: "CopyObject", headers: { "x-amz-copy-source": "/photos/b" } }), "photos", "a", source, () => source))).toBe("AccessDenied");
  });

  it("reads aws:SecureTransport as the transport the user chose on this machine: TLS, or a loopback Host", () => {
    for (const host of ["127.0.0.1:4566", "localhost:4566", "localhost", "photos.localhost:4566", "[::1]:4566", "127.1.2.3"]) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ["192.168.1.20:4566", "rekognito:4567", "localhost.evil.test", "", undefined]) expect(isLoopbackHost(host)).toBe(false);
    expect(secureTransport({ protocol: "http", headers: { host: "127.0.0.1:4566" } })).toBe(true);
    expect(secureTransport({ protocol: "http", headers: { host: "192.168.1.20:4566" } })).toBe(false);
    expect(secureTransport({ protocol: "https", headers: { host: "192.168.1.20:4566" } })).toBe(true);
    // The template's statement denies a signed request that travelled the network in clear.
    const template = {
      policy: doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      publicAccessBlock: undefined,
    };
    const signed = { kind: "signed", accessKeyId: "test", authType: "REST-QUERY-STRING", signatureVersion: "AWS4-HMAC-SHA256" } as const;
    expect(denied(() => authorize(facts({ caller: signed, operation: "PutObject" }), "photos", "a", template, () => undefined))).toBe("allowed");
    expect(denied(() => authorize(facts({ caller: signed, operation: "PutObject", secureTransport: false }), "photos", "a", template, () => undefined))).toBe("AccessDenied");
  });
});
