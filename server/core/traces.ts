import type { Clock } from "./clock.js";

/**
 * What just happened in the stack, kept for the console (/_rekognito/traces): each sign-in as a
 * timeline (InitiateAuth, every trigger with its event and answer, the challenge's public and
 * private parameters, the upload, RespondToAuthChallenge, the calls Verify made with their
 * similarity scores, the tokens or the failure), each Lambda invocation with its log and
 * duration, S3 events and the invocations they caused. On AWS this is spread over CloudWatch
 * log groups and X-Ray.
 *
 * Bounded: at most MAX_TRACES traces and MAX_DETAIL_BYTES of recorded events and answers in
 * all (the oldest traces go first), MAX_STEPS steps per trace and MAX_STEP_DETAIL bytes per
 * step (cut beyond, saying so). Recording is a few map operations and one JSON.stringify of an
 * event the flow built anyway; nothing is written to disk, and a restart starts empty.
 *
 * How the pieces find their trace:
 *   - Cognito's flow opens a sign-in trace at InitiateAuth and carries its id in the sign-in's
 *     session to RespondToAuthChallenge (server/cognito/flows/customAuth.ts).
 *   - A trigger's invocation gets a link to its step; the Lambda runner gives every invocation
 *     an X-Ray trace header (`_X_AMZN_TRACE_ID` in the function's environment, as AWS Lambda
 *     sets it), which the AWS SDK inside the function sends back as `X-Amzn-Trace-Id` with each
 *     call it makes: those calls land under the invocation that made them.
 *   - A presigned upload URL handed out in a challenge's public parameters ties the PUT to that
 *     URL to the sign-in, and the S3 event it raises, and the function that event runs.
 */

export const MAX_TRACES = 300;
export const MAX_STEPS = 150;
export const MAX_STEP_DETAIL = 16 * 1024;
export const MAX_DETAIL_BYTES = 12 * 1024 * 1024;
/** Open invocations and expected uploads remembered at most (older ones are forgotten first). */
const MAX_LINKS = 2000;
/** Faces whose source image is remembered for the console's resources view. */
export const MAX_FACE_SOURCES = 20_000;

export type TraceKind = "sign-in" | "s3-event" | "invocation";

export type StepType =
  | "InitiateAuth"
  | "RespondToAuthChallenge"
  | "trigger"
  | "challenge"
  | "upload"
  | "s3-event"
  | "invocation"
  | "call"
  | "tokens"
  | "failure";

export interface TraceStep {
  seq: number;
  /** Milliseconds since the epoch, from the stack's clock. */
  at: number;
  type: StepType;
  title: string;
  /** The step this one happened inside (a trigger's invocation, an invocation's calls). */
  parent?: number;
  ms?: number;
  ok?: boolean;
  /** An error's type and message, or why the step failed. */
  error?: string;
  /** A failure that is an expected answer (a lookup of something absent, a condition not met). */
  expected?: boolean;
  /** JSON text of what the step carried: an event and its answer, parameters, log lines, scores. */
  detail?: string;
}

export interface Trace {
  id: string;
  kind: TraceKind;
  title: string;
  poolId?: string;
  user?: string;
  startedAt: number;
  updatedAt: number;
  /** "in progress", then "signed in", "challenge" (waiting for an answer), "refused", "failed", "ok". */
  outcome: string;
  steps: TraceStep[];
  /** Steps not kept (past MAX_STEPS). */
  dropped: number;
  /** Bytes of detail held (counted against MAX_DETAIL_BYTES). */
  bytes: number;
}

/** Where a new step belongs: a trace, and the step it happens inside. */
export interface TraceLink {
  traceId: string;
  parent?: number;
}

export type TraceSummary = Omit<Trace, "steps" | "bytes"> & { steps: number };

export type TraceChange = { trace: TraceSummary; step?: TraceStep };

export interface FaceSource {
  collectionId: string;
  bucket: string;
  key: string;
  boundingBox: { Width?: number; Height?: number; Left?: number; Top?: number };
}

export interface InvocationSpan {
  /** The X-Ray trace header the function's environment gets (`_X_AMZN_TRACE_ID`). */
  header: string;
  end(outcome: InvocationOutcome): void;
}

export interface InvocationOutcome {
  ok: boolean;
  errorType?: string;
  errorMessage?: string;
  /** The invocation's log, START to REPORT (AWS's 4 KB tail). */
  log: string;
}

/** The outcome of a Cognito sign-in round, as the flow answered it. */
export type RoundOutcome =
  | { kind: "tokens"; idTokenClaims?: Record<string, unknown> }
  | { kind: "challenge"; publicParameters: Record<string, string> }
  | { kind: "error"; type: string; message: string };

function size(text: string | undefined): number {
  return text ? text.length * 2 : 0;
}

/** JSON of a step's detail, cut at MAX_STEP_DETAIL (saying how much was left out). */
export function detailOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  try {
    // Compact: the console indents what it shows.
    text = JSON.stringify(value) ?? "null";
  } catch {
    text = JSON.stringify(String(value));
  }
  if (text.length <= MAX_STEP_DETAIL) return text;
  return JSON.stringify({ truncated: `${text.length - MAX_STEP_DETAIL} characters left out`, start: text.slice(0, MAX_STEP_DETAIL) });
}

/** The Root of an X-Ray trace header: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=...;Sampled=0`. */
export function traceRoot(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /(?:^|;)\s*Root=([^;]+)/.exec(header);
  return match ? match[1]!.trim() : undefined;
}

/** A Map that forgets its oldest entries beyond `limit`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    while (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}

export class TraceRecorder {
  private readonly traces = new Map<string, Trace>();
  /** Each listener, with whether it wants changes now (a console with no viewer connected does not). */
  private readonly listeners = new Map<(change: TraceChange) => void, () => boolean>();
  /** X-Ray roots of running invocations → where their calls belong. */
  private readonly invocations = new BoundedMap<string, TraceLink>(MAX_LINKS);
  /** `bucket/key` of uploads a challenge asked for → its sign-in. */
  private readonly uploads = new BoundedMap<string, TraceLink>(MAX_LINKS);
  /** Face ids → the S3 object they were indexed from and their box. */
  readonly faceSources = new BoundedMap<string, FaceSource>(MAX_FACE_SOURCES);
  private bytes = 0;
  private nextTrace = 1;
  private nextSeq = 1;
  private nextRoot = 1;

  constructor(private readonly clock: Clock) {}

  // ------------------------------------------------------------------ reading

  list(filter: { user?: string; poolId?: string; kind?: TraceKind } = {}): TraceSummary[] {
    const user = filter.user?.toLowerCase();
    const out: TraceSummary[] = [];
    for (const trace of this.traces.values()) {
      if (filter.kind && trace.kind !== filter.kind) continue;
      if (filter.poolId && trace.poolId !== filter.poolId) continue;
      if (user && !trace.user?.toLowerCase().includes(user)) continue;
      out.push(summary(trace));
    }
    return out.reverse();
  }

  get(id: string): Trace | undefined {
    return this.traces.get(id);
  }

  get size(): number {
    return this.traces.size;
  }

  get detailBytes(): number {
    return this.bytes;
  }

  /**
   * True while the invocation given this X-Ray header (by its Root) runs: the stack's control
   * (server/control/) lets the calls it makes through while it holds other requests back.
   */
  isInvocationRunning(traceHeader: string): boolean {
    const root = traceRoot(traceHeader);
    return root !== undefined && this.invocations.has(root);
  }

  /**
   * Calls `listener` with every change until the returned function is called, while `wanted()`
   * says so: no change is built for nobody (a trace's summary per step cost ~0.25 ms of CPU per
   * face sign-in with no console viewer connected).
   */
  subscribe(listener: (change: TraceChange) => void, wanted: () => boolean = () => true): () => void {
    this.listeners.set(listener, wanted);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------ recording

  /** A new trace; the oldest go once there are too many. */
  open(kind: TraceKind, title: string, about: { poolId?: string; user?: string } = {}): string {
    const id = `t${this.nextTrace++}`;
    const now = this.clock.now();
    this.traces.set(id, { id, kind, title, ...about, startedAt: now, updatedAt: now, outcome: "in progress", steps: [], dropped: 0, bytes: 0 });
    this.evict();
    return id;
  }

  /** Adds a step to a trace (nothing when the trace is gone or unknown); returns its seq. */
  step(link: TraceLink | string | undefined, step: Omit<TraceStep, "seq" | "at" | "parent">): number | undefined {
    const at = typeof link === "string" ? { traceId: link } : link;
    const trace = at && this.traces.get(at.traceId);
    if (!trace) return undefined;
    const full: TraceStep = { seq: this.nextSeq++, at: this.clock.now(), ...(at.parent !== undefined ? { parent: at.parent } : {}), ...step };
    trace.updatedAt = full.at;
    if (trace.steps.length >= MAX_STEPS) {
      trace.dropped++;
    } else {
      trace.steps.push(full);
      const added = size(full.detail);
      trace.bytes += added;
      this.bytes += added;
    }
    this.emit(trace, full);
    this.evict();
    return full.seq;
  }

  /** Completes a step begun earlier (its answer, its duration). */
  complete(traceId: string | undefined, seq: number | undefined, change: Partial<Pick<TraceStep, "ms" | "ok" | "error" | "detail" | "title" | "expected">>): void {
    const trace = traceId ? this.traces.get(traceId) : undefined;
    const step = trace?.steps.find((s) => s.seq === seq);
    if (!trace || !step) return;
    const before = size(step.detail);
    Object.assign(step, change);
    const delta = size(step.detail) - before;
    trace.bytes += delta;
    this.bytes += delta;
    trace.updatedAt = this.clock.now();
    this.emit(trace, step);
    this.evict();
  }

  setOutcome(traceId: string | undefined, outcome: string, about: { user?: string } = {}): void {
    const trace = traceId ? this.traces.get(traceId) : undefined;
    if (!trace) return;
    trace.outcome = outcome;
    if (about.user) trace.user = about.user;
    trace.updatedAt = this.clock.now();
    this.emit(trace);
  }

  // ------------------------------------------------------------------ Cognito's sign-in

  /** InitiateAuth with CUSTOM_AUTH: a new sign-in trace. */
  signIn(info: { poolId: string; clientId: string; username: string; admin?: boolean }): string {
    const id = this.open("sign-in", `Sign-in of ${info.username}`, { poolId: info.poolId, user: info.username });
    this.step(id, { type: "InitiateAuth", title: `${info.admin ? "AdminInitiateAuth" : "InitiateAuth"} CUSTOM_AUTH`, detail: detailOf({ userPoolId: info.poolId, clientId: info.clientId, USERNAME: info.username }) });
    return id;
  }

  /** RespondToAuthChallenge: the answer given. */
  answered(traceId: string | undefined, info: { answer: string; clientMetadata?: unknown; admin?: boolean }): void {
    this.step(traceId, { type: "RespondToAuthChallenge", title: `${info.admin ? "AdminRespondToAuthChallenge" : "RespondToAuthChallenge"} CUSTOM_CHALLENGE`, detail: detailOf({ ANSWER: info.answer, ...(info.clientMetadata ? { ClientMetadata: info.clientMetadata } : {}) }) });
  }

  /** A trigger about to run: returns the link its invocation records under, and how to finish the step. */
  trigger(traceId: string | undefined, name: string, functionArn: string, event: unknown): { link: TraceLink | undefined; end(answer: { ok: boolean; response?: unknown; error?: string }): void } {
    if (!traceId || !this.traces.has(traceId)) return { link: undefined, end() {} };
    const started = performance.now();
    // The event is written once; its answer is added to it when the trigger returns.
    const head = `{"function":${JSON.stringify(functionArn)},"event":${JSON.stringify(event) ?? "null"}`;
    const withAnswer = (response: string | undefined) => {
      const text = `${head}${response !== undefined ? `,"response":${response}` : ""}}`;
      return text.length <= MAX_STEP_DETAIL ? text : detailOf(JSON.parse(text));
    };
    const seq = this.step(traceId, { type: "trigger", title: triggerTitle(name), detail: withAnswer(undefined) });
    return {
      link: seq !== undefined ? { traceId, parent: seq } : undefined,
      end: (answer) => {
        if (seq === undefined) return;
        const response = answer.ok ? JSON.stringify((answer.response as { response?: unknown } | undefined)?.response ?? answer.response) : undefined;
        this.complete(traceId, seq, {
          ms: performance.now() - started,
          ok: answer.ok,
          ...(answer.error ? { error: answer.error } : {}),
          detail: withAnswer(response),
        });
      },
    };
  }

  /** Create Auth Challenge's answer as Cognito keeps it; a presigned upload URL among the public parameters is expected next. */
  challenge(traceId: string | undefined, info: { publicParameters: Record<string, string>; privateParameters: Record<string, string>; metadata?: string }): void {
    if (!traceId) return;
    const step = typeof info.publicParameters.step === "string" ? ` (${info.publicParameters.step})` : "";
    this.step(traceId, {
      type: "challenge",
      title: `CUSTOM_CHALLENGE${step}: public and private parameters`,
      detail: detailOf({ publicChallengeParameters: info.publicParameters, privateChallengeParameters: info.privateParameters, challengeMetadata: info.metadata ?? null }),
    });
    for (const value of Object.values(info.publicParameters)) {
      const target = presignedTarget(value);
      if (target) this.uploads.set(target, { traceId });
    }
  }

  /** How a round ended: tokens, the next challenge, or the error Cognito answered. */
  round(traceId: string | undefined, outcome: RoundOutcome): void {
    if (!traceId) return;
    if (outcome.kind === "tokens") {
      this.step(traceId, { type: "tokens", title: "Tokens issued: signed in", ok: true, ...(outcome.idTokenClaims ? { detail: detailOf({ idTokenClaims: outcome.idTokenClaims }) } : {}) });
      this.setOutcome(traceId, "signed in");
    } else if (outcome.kind === "challenge") {
      const last = outcome.publicParameters.lastError;
      this.setOutcome(traceId, last ? `challenge: ${last}` : "challenge");
    } else {
      this.step(traceId, { type: "failure", title: `${outcome.type}: ${outcome.message}`, ok: false, error: outcome.type });
      this.setOutcome(traceId, outcome.type === "NotAuthorizedException" ? "refused" : "failed");
    }
  }

  // ------------------------------------------------------------------ Lambda

  /**
   * An invocation starting: recorded under `link` (a trigger's step, an S3 event), or as a trace
   * of its own. Its X-Ray header ties the calls the function makes to it.
   */
  invocation(functionName: string, requestId: string, link: TraceLink | undefined, source: string): InvocationSpan {
    const started = performance.now();
    const root = `1-${Math.floor(this.clock.now() / 1000).toString(16).padStart(8, "0")}-${(this.nextRoot++).toString(16).padStart(24, "0")}`;
    const header = `Root=${root};Parent=${requestId.replace(/-/g, "").slice(0, 16).padEnd(16, "0")};Sampled=0`;
    const at = link ?? { traceId: this.open("invocation", `${functionName} (${source})`) };
    const seq = this.step(at, { type: "invocation", title: `Lambda ${functionName} ${requestId}` });
    const own = seq !== undefined ? { traceId: at.traceId, parent: seq } : undefined;
    if (own) this.invocations.set(root, own);
    return {
      header,
      end: (outcome) => {
        this.invocations.delete(root);
        const lines = outcome.log.split("\n").filter((l) => l.length > 0);
        const report = /Duration: ([\d.]+) ms/.exec(outcome.log);
        this.complete(at.traceId, seq, {
          ms: report ? Number(report[1]) : performance.now() - started,
          ok: outcome.ok,
          ...(outcome.ok ? {} : { error: `${outcome.errorType}: ${outcome.errorMessage}` }),
          detail: detailOf({ log: lines }),
        });
        if (!link) this.setOutcome(at.traceId, outcome.ok ? "ok" : "failed");
      },
    };
  }

  // ------------------------------------------------------------------ AWS calls

  /**
   * A request that finished: recorded when it was made by a running invocation (its
   * X-Amzn-Trace-Id), or is an upload a challenge asked for. `details` builds what the step
   * shows (Rekognition's scores); it runs only for recorded calls.
   */
  call(info: {
    traceHeader: string | undefined;
    service: string;
    action: string;
    status: number;
    ms: number;
    errorType?: string;
    expected?: boolean;
    s3Object?: { bucket: string; key: string };
    details?: () => unknown;
  }): void {
    const root = traceRoot(info.traceHeader);
    let link = root ? this.invocations.get(root) : undefined;
    let type: StepType = "call";
    if (!link && info.s3Object && info.action === "PutObject") {
      link = this.uploads.get(`${info.s3Object.bucket}/${info.s3Object.key}`);
      type = "upload";
    }
    if (!link) return;
    const ok = info.status < 400;
    const what = info.s3Object ? ` s3://${info.s3Object.bucket}/${info.s3Object.key}` : "";
    const details = info.details?.();
    this.step(link, {
      type,
      title: `${type === "upload" ? "Upload: " : ""}${info.service} ${info.action}${what} ${info.status}${info.errorType ? ` ${info.errorType}` : ""}`,
      ms: info.ms,
      ok: ok || !!info.expected,
      ...(info.errorType ? { error: info.errorType } : {}),
      ...(info.expected ? { expected: true } : {}),
      ...(details !== undefined ? { detail: detailOf(details) } : {}),
    });
  }

  /** Faces IndexFaces found in an S3 object: the console draws their boxes on it. */
  indexed(collectionId: string, bucket: string, key: string, faces: { faceId: string; boundingBox: FaceSource["boundingBox"] }[]): void {
    for (const face of faces) this.faceSources.set(face.faceId, { collectionId, bucket, key, boundingBox: face.boundingBox });
  }

  // ------------------------------------------------------------------ S3 events

  /**
   * An S3 event about to run a function: recorded in the trace of the upload that raised it (a
   * sign-in's ID document), or as a trace of its own. Returns the link its invocation records under.
   */
  s3Event(info: { bucket: string; key: string; eventName: string; target: string; configurationId: string; event: unknown }): TraceLink | undefined {
    const upload = this.uploads.get(`${info.bucket}/${info.key}`);
    const traceId = upload?.traceId ?? this.open("s3-event", `s3:${info.eventName} s3://${info.bucket}/${info.key}`);
    const seq = this.step(traceId, { type: "s3-event", title: `S3 event s3:${info.eventName} → ${info.target.split(":").pop()}`, detail: detailOf({ configurationId: info.configurationId, target: info.target, event: info.event }) });
    if (!upload) this.setOutcome(traceId, "ok");
    return seq !== undefined ? { traceId, parent: seq } : undefined;
  }

  // ------------------------------------------------------------------ internals

  private emit(trace: Trace, step?: TraceStep): void {
    let change: TraceChange | undefined;
    for (const [listener, wanted] of this.listeners) {
      if (!wanted()) continue;
      change ??= { trace: summary(trace), ...(step ? { step } : {}) };
      try {
        listener(change);
      } catch {
        // A listener's failure (a closed stream) is its own.
      }
    }
  }

  private evict(): void {
    while (this.traces.size > MAX_TRACES || (this.bytes > MAX_DETAIL_BYTES && this.traces.size > 1)) {
      const oldest = this.traces.values().next().value as Trace;
      this.traces.delete(oldest.id);
      this.bytes -= oldest.bytes;
    }
  }
}

function summary(trace: Trace): TraceSummary {
  const { steps, bytes: _bytes, ...rest } = trace;
  return { ...rest, steps: steps.length };
}

const TRIGGER_TITLES: Record<string, string> = {
  DefineAuthChallenge: "Define Auth Challenge",
  CreateAuthChallenge: "Create Auth Challenge",
  VerifyAuthChallengeResponse: "Verify Auth Challenge Response",
  PreSignUp: "Pre Sign-up",
  PostConfirmation: "Post Confirmation",
  PreTokenGeneration: "Pre Token Generation",
};

function triggerTitle(name: string): string {
  return `${TRIGGER_TITLES[name] ?? name} trigger`;
}

/** `bucket/key` of a presigned S3 URL (path style or bucket.localhost), or undefined. */
export function presignedTarget(value: string): string | undefined {
  if (!/^https?:\/\//.test(value) || !/[?&]X-Amz-Signature=/.test(value)) return undefined;
  try {
    const url = new URL(value);
    const path = decodeURIComponent(url.pathname.slice(1));
    const host = url.hostname.toLowerCase();
    if (host.endsWith(".localhost")) {
      const bucket = host.slice(0, -".localhost".length).replace(/\.s3$/, "");
      return `${bucket}/${path}`;
    }
    const slash = path.indexOf("/");
    return slash > 0 ? `${path.slice(0, slash)}/${path.slice(slash + 1)}` : undefined;
  } catch {
    return undefined;
  }
}

/** What the recorder needs of an S3 notification (server/core/events.ts). */
export function s3EventOf(notification: { targetArn: string; configurationId: string; event: { Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[] } }) {
  const record = notification.event.Records[0];
  // The event's key is URL-encoded, spaces as "+", as AWS delivers it.
  let key = record?.s3.object.key ?? "";
  try {
    key = decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    // Kept as delivered.
  }
  return {
    bucket: record?.s3.bucket.name ?? "",
    key,
    eventName: record?.eventName ?? "",
    target: notification.targetArn,
    configurationId: notification.configurationId,
    event: notification.event,
  };
}
