import { XMLParser } from "fast-xml-parser";
import type { WireRequest } from "./wire.js";

/**
 * What every answer must be, whatever was asked: no 5xx but 501 NotImplemented (and 503 for a
 * documented retryable engine restart), and every error in the shape its protocol's SDK parses:
 *
 * - AWS JSON: a JSON body with `__type` (the SDK's error code) and a message; rekognito's own
 *   services also set `x-amzn-errortype`.
 * - REST-JSON (Lambda, SESv2): `x-amzn-errortype` (what the SDK reads first) and a JSON body with
 *   `message` or `Message`.
 * - REST-XML (S3): `<Error><Code>…</Code><Message>…</Message></Error>`, except for HEAD, which has
 *   no body (the SDK maps the status).
 */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Buffer;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

function header(answer: Answer, name: string): string | undefined {
  const v = answer.headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(",") : String(v);
}

/** Why the answer is not what the protocol promises, or null when it is. */
export function shapeProblem(protocol: "json" | "rest-json" | "rest-xml", service: string, request: WireRequest, answer: Answer): string | null {
  if (answer.status < 400) return null;
  // Node's HTTP parser answers a request line or headers over its 16 KB limit before any service
  // sees the request (AWS's front ends refuse them as early, in their own format).
  if (answer.status === 431) return null;
  const text = answer.body.toString("utf8");
  if (protocol === "rest-xml") {
    if (request.method === "HEAD") return answer.body.length ? "a HEAD error with a body" : null;
    let parsed: any;
    try {
      parsed = xml.parse(text);
    } catch {
      return `not XML: ${text.slice(0, 120)}`;
    }
    const error = parsed?.Error;
    if (!error || typeof error.Code !== "string" || !error.Code) return `no <Error><Code>: ${text.slice(0, 160)}`;
    if (error.Message === undefined) return `no <Message> in ${error.Code}`;
    return null;
  }
  // dynalite answers these two as DynamoDB does (its tests were recorded against DynamoDB): a
  // content type that is not JSON gets 404 `<UnknownOperationException/>`, a body over 16 MB a bare 413.
  if (service === "dynamodb" && answer.status === 404 && text === "<UnknownOperationException/>\n") return null;
  if (service === "dynamodb" && answer.status === 413 && !text) return null;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 120)}`;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return `not a JSON object: ${text.slice(0, 120)}`;
  const message = body.message ?? body.Message;
  if (protocol === "json") {
    if (typeof body.__type !== "string" || !body.__type) return `no __type: ${text.slice(0, 160)}`;
    // dynalite answers some of AWS's coral errors with no message, as DynamoDB does.
    if (message !== undefined && typeof message !== "string") return `a message that is not text: ${text.slice(0, 160)}`;
    if (service !== "dynamodb" && typeof message !== "string") return `no message: ${text.slice(0, 160)}`;
    if (service !== "dynamodb" && !header(answer, "x-amzn-errortype")) return `no x-amzn-errortype header (${body.__type})`;
    return null;
  }
  if (!header(answer, "x-amzn-errortype")) return `no x-amzn-errortype header: ${text.slice(0, 160)}`;
  if (typeof message !== "string") return `no message: ${text.slice(0, 160)}`;
  return null;
}

/** The error code an SDK would read from the answer. */
export function errorCode(protocol: "json" | "rest-json" | "rest-xml", answer: Answer): string | undefined {
  const text = answer.body.toString("utf8");
  if (protocol === "rest-xml") return /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const header = answer.headers["x-amzn-errortype"];
  if (typeof header === "string") return header.split(":")[0];
  try {
    const type = (JSON.parse(text) as { __type?: string }).__type;
    return type?.split("#").pop();
  } catch {
    return undefined;
  }
}

/**
 * The 5xx a well-behaved server may answer: 501 NotImplemented, and for DynamoDB the retryable
 * faults its engine documents (server/storage/dynamodb/errors.ts: 500 InternalServerError when
 * dynalite crashed or stalled and was restarted, 503 ServiceUnavailable while it cannot start).
 * Those are counted apart: each means an input took the engine down.
 */
export function acceptable5xx(service: string, status: number, code: string | undefined): boolean {
  if (status === 501) return true;
  return service === "dynamodb" && ((status === 500 && code === "InternalServerError") || (status === 503 && code === "ServiceUnavailable"));
}

/** Counts per service, and the first examples of each kind of failure, for the closing figures. */
export class Tally {
  readonly sent = new Map<string, number>();
  readonly statuses = new Map<string, Map<number, number>>();
  readonly fiveXX: string[] = [];
  readonly notShaped: string[] = [];
  /** DynamoDB's documented retryable 5xx: an input crashed or stalled its engine, which restarted. */
  readonly engineRestarts: string[] = [];
  /** Requests with no answer in time (a hang). */
  readonly hung: string[] = [];
  /** Requests the HTTP client itself refused to send (an invalid header value...). */
  readonly unsendable = new Map<string, number>();
  /** service → error code → count: what the fuzzer mostly ran into. */
  readonly codes = new Map<string, Map<string, number>>();
  /** The first request that met each error code (REKOGNITO_FUZZ_VERBOSE=1 prints them). */
  readonly examples = new Map<string, string>();
  signatureRefusals = 0;
  healthChecks = 0;

  record(protocol: "json" | "rest-json" | "rest-xml", request: WireRequest, answer: Answer): void {
    this.sent.set(request.service, (this.sent.get(request.service) ?? 0) + 1);
    let byStatus = this.statuses.get(request.service);
    if (!byStatus) this.statuses.set(request.service, (byStatus = new Map()));
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    const what = `${request.service} ${request.operation} [${request.variant}] ${request.method} ${request.path.slice(0, 120)}`;
    const body = answer.body.toString("utf8").slice(0, 300);
    if (answer.status >= 500 && answer.status !== 501) {
      if (acceptable5xx(request.service, answer.status, errorCode(protocol, answer))) this.engineRestarts.push(`${what} -> ${answer.status} ${body}`);
      else this.fiveXX.push(`${what} -> ${answer.status} ${body}`);
    }
    if (answer.status >= 400) {
      const code = errorCode(protocol, answer) ?? String(answer.status);
      if (/^(SignatureDoesNotMatch|InvalidSignatureException|IncompleteSignature(Exception)?)$/.test(code) && !request.unsignable) this.signatureRefusals++;
      let byCode = this.codes.get(request.service);
      if (!byCode) this.codes.set(request.service, (byCode = new Map()));
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
      const key = `${request.service} ${code}`;
      if (!this.examples.has(key)) this.examples.set(key, `${what} -> ${answer.status} ${body.slice(0, 200)}`);
    }
    const problem = shapeProblem(protocol, request.service, request, answer);
    if (problem) this.notShaped.push(`${what} -> ${answer.status}: ${problem}`);
  }

  noAnswer(request: WireRequest, ms: number): void {
    this.sent.set(request.service, (this.sent.get(request.service) ?? 0) + 1);
    this.hung.push(`${request.service} ${request.operation} [${request.variant}] ${request.method} ${request.path.slice(0, 120)} -> no answer in ${ms} ms`);
  }

  unsent(request: WireRequest): void {
    this.unsendable.set(request.service, (this.unsendable.get(request.service) ?? 0) + 1);
  }

  total(): number {
    return [...this.sent.values()].reduce((a, b) => a + b, 0);
  }

  summary(title: string): string {
    const lines = [`${title}: ${this.total()} requests, ${this.fiveXX.length} 5xx (other than 501), ${this.notShaped.length} errors not AWS-shaped, ${this.hung.length} unanswered, ${this.engineRestarts.length} DynamoDB engine restarts, ${this.signatureRefusals} refused for their signature, ${this.healthChecks} health checks`];
    for (const [service, n] of [...this.sent].sort()) {
      const statuses = [...(this.statuses.get(service) ?? new Map())].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s}:${c}`).join(" ");
      const unsent = this.unsendable.get(service);
      lines.push(`  ${service.padEnd(12)} ${String(n).padStart(5)}  ${statuses}${unsent ? `  (${unsent} not sendable)` : ""}`);
      const codes = [...(this.codes.get(service) ?? new Map())].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([c, k]) => `${c} ${k}`).join(", ");
      if (codes) lines.push(`  ${"".padEnd(18)} ${codes}`);
    }
    for (const restart of this.engineRestarts.slice(0, 5)) lines.push(`  engine restart: ${restart}`);
    if (process.env.REKOGNITO_FUZZ_VERBOSE) for (const [key, example] of [...this.examples].sort()) lines.push(`  e.g. ${key}: ${example}`);
    return lines.join("\n");
  }
}
