import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AwsError } from "./errors.js";
import { baseUrlOf, type RequestContext } from "./json.js";
import { validationErrors, validationMessage, type ServiceModel, type Shape } from "./model.js";
import { registerRestRoutes, RestRoutes, type RestMatch } from "./rest-routes.js";
import { callerFromHeaders } from "./sigv4.js";

/**
 * AWS's REST-JSON protocol (Lambda, SES v2): each operation is an HTTP method and a URI
 * (`requestUri` in the model), its input is spread over the path, the query string, headers and
 * a JSON body, and its errors carry their type in the x-amzn-ErrorType header. One pipeline for
 * every such service: route by the model, parse into the SDK's input shape, validate against the
 * model, run the action, serialise its output, map its errors. Nothing here knows of state.
 */

/** The raw body of the request, for the operation whose body is a blob (Invoke's Payload). */
export interface RestRequestContext extends RequestContext {
  rawBody: Buffer;
}

export type RestAction = (input: any, ctx: RestRequestContext) => Promise<unknown> | unknown;

/** The errors the pipeline's own steps answer, in the service's words (its errors.ts). */
export interface RestErrors {
  notImplemented(operation: string): AwsError;
  /** A path under the service's prefixes that is no operation. */
  unknownOperation(method: string, path: string): AwsError;
  /** A body that is not a JSON object. */
  invalidBody(message: string): AwsError;
  /** An input that breaks the model's constraints ("1 validation error detected: ..."). */
  validation(message: string): AwsError;
  internal(): AwsError;
}

export interface RestService {
  name: string;
  model: ServiceModel;
  actions: Record<string, RestAction>;
  errors: RestErrors;
  /**
   * Operations whose HTTP body, in and out, is one blob member rather than JSON (Lambda
   * Invoke's Payload): operation → the member, and the content type its output is sent with.
   */
  blobPayloads?: Record<string, { member: string; contentType: string }>;
  requestId: () => string;
  accountId: string;
  defaultRegion: string;
  /** The largest body an operation reads, bytes; more is refused before it is buffered. */
  bodyLimits?: Record<string, number>;
  /** The error for a body over its operation's limit (the request's headers say what it was). */
  tooLarge?: (operation: string, limit: number, headers: FastifyRequest["headers"]) => AwsError;
  /**
   * The path prefixes under which any other path is UnknownOperationException (default: the
   * first segment of each operation's URI, e.g. Lambda's /2015-03-31). SES's are /v2/email:
   * /v2 alone would take S3 bucket names from S3's routes.
   */
  prefixes?: string[];
  /**
   * Every path answers with a trailing slash too: the AWS CLI v2 sends some with one (GET
   * /2015-03-31/functions/ for ListFunctions), and Lambda answers them. Without it a path is the
   * model's URI exactly, as SES's are.
   */
  trailingSlashes?: boolean;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Path, query and header values are text on the wire; the model says what they are. */
function fromText(shape: Shape | undefined, text: string): unknown {
  switch (shape?.type) {
    case "integer":
    case "long":
    case "float":
    case "double": {
      const n = Number(text);
      return Number.isNaN(n) ? text : n;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    default:
      return text;
  }
}

/** An AwsError as REST-JSON puts it: the status from the model's exception shape, the type in x-amzn-ErrorType. */
export function sendRestError(reply: FastifyReply, model: ServiceModel, error: AwsError, requestId: string): FastifyReply {
  const shape = model.shapes[error.type];
  const status = shape?.httpStatus ?? error.status;
  const fault = (error as AwsError & { fault?: string }).fault ?? (status >= 500 ? "Service" : "User");
  const messageKey = shape?.members?.["Message"] ? "Message" : "message";
  const body: Record<string, unknown> =
    error.type === "ValidationException" ? { message: error.message } : { Type: fault, [messageKey]: error.message };
  return reply
    .code(status)
    .header("content-type", "application/json")
    .header("x-amzn-requestid", requestId)
    .header("x-amzn-errortype", error.type)
    .send(JSON.stringify({ ...body, ...error.extra }));
}

/**
 * Serves every operation of the model (one route per prefix, server/protocol/rest-routes.ts):
 * implemented ones run their action, the others answer the service's not-implemented error,
 * and any other path under the service's prefixes answers its unknown-operation error.
 */
export function registerRestService(fastify: FastifyInstance, service: RestService): void {
  const { model } = service;
  registerRestRoutes(fastify, new RestRoutes(model, { prefixes: service.prefixes, trailingSlash: service.trailingSlashes }), service.bodyLimits, {
    operation: (match, request, reply) => handle(service, match, request, reply),
    unknown: async (request, reply) => {
      const requestId = service.requestId();
      request.awsLog = { service: service.name, action: "?" };
      return sendRestError(reply, model, service.errors.unknownOperation(request.method, request.url.split("?")[0]!), requestId);
    },
    // A body over the operation's limit never reaches the handler: answer it as AWS does.
    error: (error, match, limit, request, reply) => {
      const requestId = service.requestId();
      const name = match?.name ?? "?";
      request.awsLog = { service: service.name, action: name };
      const code = (error as { code?: string }).code;
      if (code === "FST_ERR_CTP_BODY_TOO_LARGE" && match && service.tooLarge) {
        return sendRestError(reply, model, service.tooLarge(name, limit, request.headers), requestId);
      }
      if (error instanceof AwsError) return sendRestError(reply, model, error, requestId);
      request.awsLog.fault = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return sendRestError(reply, model, service.errors.internal(), requestId);
    },
  });
}

/** The operation's input in the SDK's shape: the JSON body, then the members the model places in the path, query and headers. */
function parseInput(service: RestService, { name, params }: RestMatch, request: FastifyRequest, rawBody: Buffer): Record<string, unknown> {
  const { model, errors } = service;
  const operation = model.operations[name]!;
  const inputShape = operation.input ? model.shapes[operation.input] : undefined;
  const blobMember = service.blobPayloads?.[name]?.member;
  const input: Record<string, unknown> = {};
  if (!blobMember && rawBody.length && rawBody.toString("utf8").trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody.toString("utf8"));
    } catch (e) {
      throw errors.invalidBody(`Could not parse request body into json: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw errors.invalidBody("Could not parse request body into json: expected an object");
    }
    Object.assign(input, parsed);
  }
  const query = (request.query ?? {}) as Record<string, string | string[]>;
  for (const [member, ref] of Object.entries(inputShape?.members ?? {})) {
    const where = ref.locationName ?? member;
    let text: string | undefined;
    if (ref.location === "uri") text = params[where];
    else if (ref.location === "querystring") {
      const q = query[where];
      text = Array.isArray(q) ? q[0] : q;
    } else if (ref.location === "header") text = headerValue(request, where);
    else continue;
    if (text === undefined) delete input[member];
    else input[member] = fromText(model.shapes[ref.shape], text);
  }
  try {
    const found = validationErrors(model, operation.input, input);
    if (found.length) throw errors.validation(validationMessage(found));
  } catch (e) {
    if (e instanceof AwsError && e.type === "SerializationException") throw errors.invalidBody(e.message);
    throw e;
  }
  if (blobMember) input[blobMember] = rawBody;
  return input;
}

/**
 * An action's output (the SDK's output shape) on the wire, each member where the model puts it:
 * a `statusCode` member is the status (Lambda Invoke's 200, 202 or 204), a `header` member a
 * header (X-Amz-Function-Error, X-Amz-Log-Result, X-Amz-Executed-Version), a blob payload the
 * body itself, the others the JSON body. Otherwise the status is the operation's responseCode.
 */
function sendOutput(service: RestService, name: string, output: unknown, reply: FastifyReply, requestId: string): FastifyReply {
  const { model } = service;
  const operation = model.operations[name]!;
  const members = (operation.output ? model.shapes[operation.output]?.members : undefined) ?? {};
  const payload = service.blobPayloads?.[name];
  let status = operation.http.responseCode ?? 200;
  let blob: Uint8Array | undefined;
  const body: Record<string, unknown> = {};
  reply.header("x-amzn-requestid", requestId);
  for (const [member, value] of Object.entries((output ?? {}) as Record<string, unknown>)) {
    if (value === undefined) continue;
    const ref = members[member];
    if (ref?.location === "statusCode") status = Number(value);
    else if (ref?.location === "header") reply.header(ref.locationName ?? member, String(value));
    else if (member === payload?.member) blob = value as Uint8Array;
    else body[member] = value;
  }
  reply.code(status);
  if (payload) {
    if (blob === undefined) return reply.send("");
    return reply.header("content-type", payload.contentType).send(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength));
  }
  if (status === 204) return reply.send();
  return reply.header("content-type", "application/json").send(JSON.stringify(body));
}

async function handle(service: RestService, match: RestMatch, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { model } = service;
  const { name } = match;
  const requestId = service.requestId();
  request.awsLog = { service: service.name, action: name };
  try {
    const action = Object.hasOwn(service.actions, name) ? service.actions[name] : undefined;
    // Signed (an Authorization header), as the request policy (server/protocol/policy.ts) checked.
    const caller = callerFromHeaders(request.headers);
    if (!action) throw service.errors.notImplemented(name);
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const input = parseInput(service, match, request, rawBody);
    const ctx: RestRequestContext = {
      region: caller.region ?? service.defaultRegion,
      accountId: service.accountId,
      requestId,
      accessKeyId: caller.accessKeyId,
      baseUrl: baseUrlOf(request),
      sourceIp: request.ip,
      userAgent: String(request.headers["user-agent"] ?? ""),
      rawBody,
    };
    return sendOutput(service, name, await action(input, ctx), reply, requestId);
  } catch (error) {
    if (error instanceof AwsError) return sendRestError(reply, model, error, requestId);
    request.awsLog.fault = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return sendRestError(reply, model, service.errors.internal(), requestId);
  }
}
