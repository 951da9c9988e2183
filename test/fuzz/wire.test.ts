import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tally } from "./lib/check.js";
import { fuzzService } from "./lib/fuzzer.js";
import { fuzzSeed, Random } from "./lib/random.js";
import { SERVICES } from "./lib/services.js";
import { KnownValues } from "./lib/values.js";
import { seedResources } from "./harness.js";
import { rawExchange, socketTransport, startServer, type ServerProcess } from "./server.js";

// The dev server in its own process, as a user runs it, over real sockets: a few hundred
// model-driven requests (the same generator as model.test.ts, another stream of the seed), then
// bytes no HTTP client would send. The server must answer each (never a 5xx but 501) or close
// the connection, keep answering health, and never exit.
const seed = fuzzSeed();
const PER_SERVICE = 50;

let server: ServerProcess;
let transport: ReturnType<typeof socketTransport>;
const tally = new Tally();
const known = new KnownValues();
const random = new Random(seed + 1);
const started = Date.now();
let rawCases = 0;

beforeAll(async () => {
  console.log(`[fuzz] seed ${seed} (replay: REKOGNITO_FUZZ_SEED=${seed} npx vitest run test/fuzz/wire.test.ts)`);
  server = await startServer();
  transport = socketTransport(server);
  await seedResources(transport, known, server.host);
}, 60_000);

afterAll(async () => {
  console.log(
    `${tally.summary(`[fuzz] seed ${seed}, socket`)}\n  malformed wire inputs: ${rawCases}\n  server exits: ${server?.exited() ? 1 : 0}\n  duration ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  transport?.close();
  await server?.stop();
});

async function healthy(): Promise<void> {
  expect(server.exited(), server.tail()).toBeNull();
  const res = await fetch(`${server.endpoint}/_rekognito/health`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe("ok");
}

describe(`fuzzing over a real socket (seed ${seed})`, () => {
  it(`${PER_SERVICE} generated requests per service: no 5xx but 501, every error AWS-shaped, the server never exits`, async () => {
    for (const service of SERVICES) {
      await fuzzService({ service, count: PER_SERVICE, random: random.fork(), known, tally, transport, host: server.host, healthCheck: healthy, beforeBatch: () => seedResources(transport, known, server.host, true) });
    }
    expect([...tally.fiveXX, ...tally.notShaped, ...tally.hung]).toEqual([]);
    expect(server.exited()).toBeNull();
  }, 120_000);

  const host = () => `Host: ${server.host}\r\n`;
  const big = (n: number) => "a".repeat(n);
  // Each: a name, the bytes, and (where the request reaches a service) the protocol its error must follow.
  const cases: [string, () => Buffer | string, RegExp?][] = [
    ["bad percent-encoding in an S3 key", () => `GET /fuzz-bucket/%zz HTTP/1.1\r\n${host()}\r\n`, /^HTTP\/1\.1 400[\s\S]*<Code>InvalidURI<\/Code>/],
    ["a truncated percent-escape", () => `GET /fuzz-bucket/a%E0%A4%A HTTP/1.1\r\n${host()}\r\n`],
    ["bad percent-encoding in the query", () => `GET /fuzz-bucket?prefix=%zz&max-keys=%FF HTTP/1.1\r\n${host()}\r\n`],
    ["percent-encoded invalid UTF-8", () => `GET /fuzz-bucket/%C3%28%FF HTTP/1.1\r\n${host()}\r\n`],
    ["raw invalid UTF-8 bytes in the path", () => Buffer.concat([Buffer.from("GET /fuzz-bucket/"), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(` HTTP/1.1\r\n${host()}\r\n`)])],
    ["a NUL in the path", () => `GET /fuzz-bucket/a%00b HTTP/1.1\r\n${host()}\r\n`],
    ["raw invalid UTF-8 in a header value", () => Buffer.concat([Buffer.from(`GET /fuzz-bucket HTTP/1.1\r\n${host()}x-amz-meta-a: `), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from("\r\n\r\n")])],
    ["a 100 KB header", () => `GET /fuzz-bucket HTTP/1.1\r\n${host()}x-big: ${big(100_000)}\r\n\r\n`],
    ["2,000 headers", () => `GET /fuzz-bucket HTTP/1.1\r\n${host()}${Array.from({ length: 2000 }, (_, i) => `x-h${i}: v\r\n`).join("")}\r\n`],
    ["a 100 KB request line", () => `GET /${big(100_000)} HTTP/1.1\r\n${host()}\r\n`],
    ["two Host headers", () => `GET /_rekognito/health HTTP/1.1\r\n${host()}${host()}\r\n`],
    ["two different Content-Lengths", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde`],
    ["Content-Length and chunked together (smuggling)", () => `POST / HTTP/1.1\r\n${host()}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /_rekognito/health HTTP/1.1\r\n${host()}\r\n`],
    ["two X-Amz-Target headers", () => `POST / HTTP/1.1\r\n${host()}X-Amz-Target: RekognitionService.ListCollections\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}`],
    ["two Authorization headers", () => `POST / HTTP/1.1\r\n${host()}Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/rekognition/aws4_request, SignedHeaders=host, Signature=00\r\nAuthorization: x\r\nX-Amz-Target: RekognitionService.ListCollections\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}`],
    ["a chunk size that is not hex", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`],
    ["a chunk longer than its size", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n`],
    ["a huge chunk size", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc\r\n0\r\n\r\n`],
    ["chunked without its last chunk", () => `POST / HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\nX-Amz-Target: RekognitionService.ListCollections\r\n\r\n2\r\n{}\r\n`],
    ["aws-chunked garbage in an S3 upload", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Content-Encoding: aws-chunked\r\nx-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\nx-amz-decoded-content-length: 5\r\nContent-Length: 20\r\n\r\nzz;chunk-signature=x`],
    ["a negative Content-Length", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Content-Length: -1\r\n\r\n`],
    ["a Content-Length that is not a number", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Content-Length: abc\r\n\r\n`],
    ["a body shorter than its Content-Length", () => `POST / HTTP/1.1\r\n${host()}X-Amz-Target: RekognitionService.ListCollections\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{}`],
    ["HTTP/1.0 with no Host", () => "GET /_rekognito/health HTTP/1.0\r\n\r\n"],
    ["an absolute-form target", () => `GET http://evil.example/fuzz-bucket HTTP/1.1\r\n${host()}\r\n`],
    ["an unknown method", () => `BREW /fuzz-bucket HTTP/1.1\r\n${host()}\r\n`],
    ["a lower-case method", () => `get /fuzz-bucket HTTP/1.1\r\n${host()}\r\n`],
    ["HTTP/2 preface on a plain port", () => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
    ["a TLS ClientHello on a plain port", () => Buffer.from("16030100a5010000a10303" + "00".repeat(32) + "0000020035010000", "hex")],
    ["random bytes", () => new Random(seed + 2).bytes(512)],
    ["a header with no colon", () => `GET /fuzz-bucket HTTP/1.1\r\n${host()}NoColonHere\r\n\r\n`],
    ["a header folded over two lines", () => `GET /fuzz-bucket HTTP/1.1\r\n${host()}x-a: one\r\n two\r\n\r\n`],
    ["a bare LF line ending", () => `GET /_rekognito/health HTTP/1.1\n${host().replace("\r\n", "\n")}\n`],
    ["Expect: 100-continue and no body", () => `PUT /fuzz-bucket/k HTTP/1.1\r\n${host()}Expect: 100-continue\r\nContent-Length: 0\r\n\r\n`],
    ["two pipelined requests", () => `GET /_rekognito/health HTTP/1.1\r\n${host()}\r\nGET /fuzz-bucket/%zz HTTP/1.1\r\n${host()}\r\n`],
    // Unsigned: the request policy may refuse it first; either way no action runs.
    ["an X-Amz-Target of __proto__", () => `POST / HTTP/1.1\r\n${host()}X-Amz-Target: RekognitionService.__proto__\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}`, /^HTTP\/1\.1 40[03][\s\S]*"__type":"(UnknownOperationException|MissingAuthenticationTokenException)"/],
    ["an X-Amz-Target with no dot", () => `POST / HTTP/1.1\r\n${host()}X-Amz-Target: RekognitionService\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}`],
    ["an empty X-Amz-Target", () => `POST / HTTP/1.1\r\n${host()}X-Amz-Target: \r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}`],
    ["a JSON body of invalid UTF-8", () => Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\n${host()}X-Amz-Target: RekognitionService.ListCollections\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 6\r\n\r\n`), Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d])])],
    ["a Host that is not loopback", () => "GET /_rekognito/health HTTP/1.1\r\nHost: attacker.example\r\n\r\n"],
    ["an Origin from another site", () => `OPTIONS /fuzz-bucket HTTP/1.1\r\n${host()}Origin: https://evil.example\r\nAccess-Control-Request-Method: PUT\r\n\r\n`],
    ["a range header that is garbage", () => `GET /fuzz-bucket/image.jpg HTTP/1.1\r\n${host()}Range: bytes=zz-yy,-,--\r\n\r\n`],
    ["a Lambda path with a bare %", () => `GET /2015-03-31/functions/%/configuration HTTP/1.1\r\n${host()}\r\n`],
    ["an S3 path of 5,000 characters", () => `DELETE /${big(5000)} HTTP/1.1\r\n${host()}\r\n`],
  ];

  for (const [name, bytes, expected] of cases) {
    it(`survives ${name}`, async () => {
      rawCases++;
      const answer = await rawExchange(server.port, bytes());
      // Either an HTTP answer that is no server fault, or the connection closed (or held) without one.
      if (answer.status !== null) expect(answer.status === 501 || answer.status < 500, answer.text.slice(0, 400)).toBe(true);
      if (expected) expect(answer.text).toMatch(expected);
      await healthy();
    });
  }
});
