import type { FastifyReply, FastifyRequest } from "fastify";
import { AwsError, CommonErrors } from "./errors.js";
import { validationErrors, validationMessage, type ServiceModel } from "./model.js";
import { callerFromHeaders } from "./sigv4.js";

/** What an action sees of the request: never HTTP itself. */
export interface RequestContext {
  region: string;
  accountId: string;
  requestId: string;
  accessKeyId: string | null;
  /** The stack's own base URL as the client reached it, e.g. http://127.0.0.1:4566 */
  baseUrl: string;
  sourceIp: string;
  userAgent: string;
}

export type RawHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export type ActionHandler = (input: any, ctx: RequestContext) => Promise<unknown> | unknown;

/** One AWS JSON-protocol service: its model and the actions rekognito implements. */
export interface JsonService {
  /** Short name for logs and health, e.g. "rekognition". */
  name: string;
  model: ServiceModel;
  /** The __type AWS answers for a request that breaks the model's constraints. */
  validationErrorType: string;
  actions: Record<string, ActionHandler>;
}

export interface JsonGatewayOptions {
  accountId: string;
  defaultRegion: string;
  maxBodyBytes: number;
  requestId: () => string;
}

/** What every AWS operation name looks like (botocore's models: PascalCase, letters and digits). */
const OPERATION_NAME = /^[A-Z][A-Za-z0-9]*$/;

export function baseUrlOf(request: FastifyRequest): string {
  const proto = (request.headers["x-forwarded-proto"] as string | undefined) ?? request.protocol;
  const host = request.headers.host ?? `${request.hostname}`;
  return `${proto}://${host}`;
}

export function sendAwsError(reply: FastifyReply, error: AwsError, requestId: string): FastifyReply {
  return reply
    .code(error.status)
    .header("content-type", "application/x-amz-json-1.1")
    .header("x-amzn-requestid", requestId)
    .header("x-amzn-errortype", error.type)
    .send(JSON.stringify({ __type: error.type, message: error.message, ...error.extra }));
}

/** A JSON-protocol body: a JSON object (empty means {}), or SerializationException as AWS words it. */
export function parseJsonObject(body: Buffer | undefined): Record<string, unknown> {
  const text = body && body.length ? body.toString("utf8") : "";
  if (!text.trim()) return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw CommonErrors.serialization("Start of structure or map found where not expected.");
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw CommonErrors.serialization("Start of structure or map found where not expected.");
  }
  return input as Record<string, unknown>;
}

/**
 * Routes `POST /` requests carrying X-Amz-Target to their service and action, validates the
 * input against the service model, and writes the answer or the AWS error.
 */
export class JsonGateway {
  private readonly byPrefix = new Map<string, JsonService>();
  private readonly proxies = new Map<string, { name: string; handle: RawHandler }>();
  constructor(private readonly options: JsonGatewayOptions) {}

  register(service: JsonService): void {
    const prefix = service.model.metadata.targetPrefix;
    if (!prefix) throw new Error(`${service.name} has no target prefix`);
    this.byPrefix.set(prefix, service);
  }

  /**
   * A service whose requests go, whole, to another engine (DynamoDB to dynalite, or to an
   * external endpoint): the gateway only routes and logs them.
   */
  registerProxy(targetPrefix: string, name: string, handle: RawHandler): void {
    this.proxies.set(targetPrefix, { name, handle });
  }

  services(): JsonService[] {
    return [...this.byPrefix.values()];
  }

  /** The service registered for a target prefix (not a proxy's). */
  service(targetPrefix: string): JsonService | undefined {
    return this.byPrefix.get(targetPrefix);
  }

  /** True when the request is for this gateway (it has an X-Amz-Target header). */
  claims(request: FastifyRequest): boolean {
    return typeof request.headers["x-amz-target"] === "string";
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const target = String(request.headers["x-amz-target"] ?? "");
    const dot = target.lastIndexOf(".");
    const prefix = dot > 0 ? target.slice(0, dot) : target;
    const action = dot > 0 ? target.slice(dot + 1) : "";
    // AWS operation names are PascalCase words. Anything else (`__proto__`, `constructor`,
    // `toString`, `hasOwnProperty`...) is no operation of any service, and must never reach a
    // lookup in an object where it would find a prototype's member instead of an action.
    if (action && !OPERATION_NAME.test(action)) {
      request.awsLog = { service: this.byPrefix.get(prefix)?.name ?? this.proxies.get(prefix)?.name ?? "unknown", action: "?" };
      return sendAwsError(reply, CommonErrors.unknownOperation(target), this.options.requestId());
    }
    const proxy = this.proxies.get(prefix);
    if (proxy) {
      // A proxy's handler makes the request id it needs (DynamoDB's engine answers with its own).
      request.awsLog = { service: proxy.name, action: action || "?" };
      return proxy.handle(request, reply);
    }
    const requestId = this.options.requestId();
    const service = this.byPrefix.get(prefix);
    request.awsLog = { service: service?.name ?? prefix ?? "unknown", action: action || "?" };
    try {
      if (!service || !Object.hasOwn(service.model.operations, action)) throw CommonErrors.unknownOperation(target);
      const contentType = String(request.headers["content-type"] ?? "");
      if (!/^application\/x-amz-json-1\.[01]\b/i.test(contentType) && !/^application\/json\b/i.test(contentType)) {
        throw CommonErrors.unknownOperation(target);
      }
      const body = request.body as Buffer | undefined;
      if (body && body.length > this.options.maxBodyBytes) throw CommonErrors.tooLarge(this.options.maxBodyBytes);
      const input = parseJsonObject(body);
      // Signed or public (botocore's authtype "none"), as the request policy (policy.ts) already checked.
      const caller = callerFromHeaders(request.headers);
      const operation = service.model.operations[action]!;
      const errors = validationErrors(service.model, operation.input, input);
      if (errors.length) throw new AwsError(service.validationErrorType, validationMessage(errors));
      const handler = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
      if (!handler) throw CommonErrors.notImplemented(service.model.metadata.targetPrefix ?? service.name, action);
      const ctx: RequestContext = {
        region: caller.region ?? this.options.defaultRegion,
        accountId: this.options.accountId,
        requestId,
        accessKeyId: caller.accessKeyId,
        baseUrl: baseUrlOf(request),
        sourceIp: request.ip,
        userAgent: String(request.headers["user-agent"] ?? ""),
      };
      const output = (await handler(input, ctx)) ?? {};
      // For the console's traces (server/core/traces.ts): Rekognition's scores are read from here.
      request.awsLog.io = { input, output };
      return reply
        .code(200)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amzn-requestid", requestId)
        .send(JSON.stringify(output));
    } catch (error) {
      if (error instanceof AwsError) return sendAwsError(reply, error, requestId);
      request.log.error(error);
      request.awsLog.fault = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return sendAwsError(reply, CommonErrors.internal(), requestId);
    }
  }
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by whichever protocol handler serves the request; read by the request log. */
    awsLog: {
      service: string;
      action: string;
      fault?: string;
      /** The AWS error type answered (S3's Code; the JSON services' is in x-amzn-errortype). */
      errorType?: string;
      /** A JSON action's input and output, kept until the request is logged. */
      io?: { input: unknown; output: unknown };
    } | null;
  }
}
