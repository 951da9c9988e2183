import { createRequire } from "node:module";
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from "fastify";
import { compiledBuild } from "./build-info.js";
import { systemClock, type Clock } from "./core/clock.js";
import { cryptoIds, type IdGenerator } from "./core/ids.js";
import { cryptoKeys, type KeyGenerator } from "./core/keys.js";
import { consoleLogger, type Logger } from "./core/logger.js";
import { ephemeralPersistence, filePersistence, type Persistence } from "./core/persistence.js";
import type { CoreServices, StackComponent } from "./core/services.js";
import { StackEvents } from "./core/events.js";
import { TraceRecorder } from "./core/traces.js";
import { createConsole } from "./console/index.js";
import { observeRequests } from "./console/requests.js";
import { JsonGateway, sendAwsError } from "./protocol/json.js";
import { CommonErrors } from "./protocol/errors.js";
import { sendRouterError } from "./protocol/router-errors.js";
import { destinationOf, registerRequestPolicy, RequestPolicy } from "./protocol/policy.js";
import type { Credential } from "./protocol/sigv4.js";
import { VERSION } from "./version.js";
import { createFaceEngine, type FacesMode } from "./faces/composed-engine.js";
import type { FaceEngine } from "./faces/engine.js";
import { createRekognition } from "./rekognition/index.js";
import { createS3 } from "./storage/s3/index.js";
import { newRequestIds } from "./protocol/rest-xml.js";
import { createDynamoDB, type DynamoDBOptions } from "./storage/dynamodb/index.js";
import { createLambda, type LambdaOptions } from "./lambda/index.js";
import { createCognito } from "./cognito/index.js";
import { registerSes } from "./ses/index.js";

export interface AppOptions {
  /** Where state is kept; null or undefined with ephemeral: true keeps nothing. */
  dataDir?: string | null;
  ephemeral?: boolean;
  /** Where state is kept, given whole (tests inject a disk that fills up); overrides dataDir. */
  persistence?: Persistence;
  clock?: Clock;
  ids?: IdGenerator;
  /** Where user pools' signing keys come from (default: freshly generated RSA keys). */
  keys?: KeyGenerator;
  logger?: Logger;
  accountId?: string;
  region?: string;
  /**
   * False to answer health 503 "starting" until markReady() (the CLI provisions the app first).
   * Default true.
   */
  startReady?: boolean;
  /** Largest request body for JSON-protocol services, in bytes. */
  maxJsonBodyBytes?: number;
  /** Largest request body at all (S3 uploads), in bytes. */
  maxBodyBytes?: number;
  /**
   * S3 and DynamoDB served by an external endpoint (LocalStack, moto: http://127.0.0.1:5000)
   * instead of the embedded engines; rekognito passes requests through, re-signed.
   */
  storageEndpoint?: string | null;
  /** Which face engines answer (server/faces/composed-engine.ts): auto (default), fixtures or model. */
  faces?: FacesMode;
  /** Seconds the face model may sit idle before its memory is given back (composed-engine.ts; 0: never). */
  faceModelIdleSeconds?: number;
  /** A face engine made once and shared by every build of a stack that is reset (server/control/); overrides `faces`. */
  faceEngine?: FaceEngine;
  /** The embedded DynamoDB engine's settings (its per-request deadline). */
  dynamodb?: DynamoDBOptions;
  /** The Lambda runner's settings (environments per function, memory allowance, timers for tests). */
  lambda?: LambdaOptions;
  /** The address the stack listens on: its name is an allowed Host (see the request policy). */
  host?: string;
  /** Host names served besides loopback names and IP addresses (--allow-host): `name`, `*.suffix`, `*`. */
  allowHosts?: string[];
  /** Browser origins served besides loopback ones (--allow-origin): `https://app.example.com`, `https://*.example.com`. */
  allowOrigins?: string[];
  /** Access keys whose signatures are verified, besides the well-known test pairs (--credentials). */
  credentials?: Credential[];
  /** Refuse unknown access keys and requests signed more than 15 minutes off the stack's clock. */
  strictCredentials?: boolean;
  /** Verify no signature and serve anonymous S3 requests as signed ones (the old laxness). */
  acceptAnyCredentials?: boolean;
}

export interface App {
  fastify: FastifyInstance;
  core: CoreServices;
  gateway: JsonGateway;
  components: StackComponent[];
  /** The face-login resources provisioned into this stack (empty until provisionTemplate runs). */
  resources: Record<string, string>;
  /** Tell the stack where it listens (after listen); presigned URLs and workers use it. */
  setEndpoint(url: string): void;
  /** Health answers 200 "ok" from now on (see AppOptions.startReady). */
  markReady(): void;
  close(): Promise<void>;
}

/**
 * Builds the whole stack behind one Fastify instance, without listening: tests call
 * `fastify.inject()`, the CLI and startStack() call listen. One process, no Docker.
 */
export async function buildApp(options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? consoleLogger;
  const ephemeral = options.ephemeral || !options.dataDir;
  let endpoint = "http://127.0.0.1:4566";
  const core: CoreServices = {
    clock: options.clock ?? systemClock,
    ids: options.ids ?? cryptoIds,
    keys: options.keys ?? cryptoKeys,
    logger,
    persistence: options.persistence ?? (ephemeral ? ephemeralPersistence() : filePersistence(options.dataDir!, logger)),
    accountId: options.accountId ?? "000000000000",
    defaultRegion: options.region ?? "us-east-1",
    endpoint: () => endpoint,
    events: new StackEvents(),
  };
  // The console's traces (sign-ins, invocations, S3 events), bounded in memory.
  core.traces = new TraceRecorder(core.clock);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const fastify = Fastify({
    logger: false,
    bodyLimit: maxBodyBytes,
    // S3 keys may hold characters that the default router would reject.
    routerOptions: { maxParamLength: 2048, ignoreDuplicateSlashes: false },
    // A path the router cannot take (bad percent-encoding, a segment too long) answers in its
    // service's format: JSON under Lambda's, SES's and the gateway's prefixes, S3's XML elsewhere.
    frameworkErrors: (error, request, reply) => sendRouterError(core, error, request, reply),
    schemaController: { compilersFactory: schemaCompilersOnDemand() },
  });
  fastify.decorateRequest("awsLog", null);

  // Every body arrives as raw bytes; each protocol parses its own (JSON, XML, binary).
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));

  const gateway = new JsonGateway({
    accountId: core.accountId,
    defaultRegion: core.defaultRegion,
    maxBodyBytes: options.maxJsonBodyBytes ?? 16 * 1024 * 1024,
    requestId: () => core.ids.uuid(),
  });
  const components: StackComponent[] = [];

  // The request policy (server/protocol/policy.ts), in front of every service and route: the
  // Host (DNS rebinding), the browser Origin, CORS decided once, and SigV4 checked; services read
  // the outcome as request.caller.
  const policy = new RequestPolicy({
    clock: core.clock,
    bindHost: options.host,
    allowHosts: options.allowHosts,
    allowOrigins: options.allowOrigins,
    credentials: options.credentials,
    strictCredentials: options.strictCredentials,
    acceptAnyCredentials: options.acceptAnyCredentials,
  });
  const routes = { jsonService: (prefix: string) => gateway.service(prefix), claimsS3: (r: FastifyRequest) => s3.claims(r) };
  registerRequestPolicy(fastify, policy, {
    destinationOf: (request) => destinationOf(request, routes),
    bucketCors: (request) => s3.bucketCors(request),
    requestId: () => core.ids.uuid(),
    s3Ids: () => newRequestIds(core),
  });

  // One log line per request (server/core/logger.ts), and the console's traces of calls.
  observeRequests(fastify, core);

  fastify.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const requestId = core.ids.uuid();
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendAwsError(reply, CommonErrors.tooLarge(maxBodyBytes), requestId);
    if (error.statusCode && error.statusCode < 500) {
      return sendAwsError(reply, CommonErrors.serialization(error.message), requestId);
    }
    request.awsLog = { ...(request.awsLog ?? { service: "gateway", action: request.method }), fault: error.stack ?? String(error) };
    return sendAwsError(reply, CommonErrors.internal(), requestId);
  });

  // The services, in dependency order. Each registers its JSON actions on the gateway or its
  // own routes, and is a StackComponent (health, close).
  // S3 and DynamoDB: the embedded engines, or a pass-through to an external endpoint.
  // (The pass-through and its SigV4 signer are loaded only for a stack that uses it.)
  const s3 = options.storageEndpoint ? (await import("./storage/external/s3.js")).createExternalS3(core, fastify, options.storageEndpoint) : createS3(core, fastify);
  components.push(s3);
  components.push(
    options.storageEndpoint
      ? await (await import("./storage/external/dynamodb.js")).createExternalDynamoDB(core, gateway, options.storageEndpoint)
      : await createDynamoDB(core, gateway, { ...options.dynamodb, fastify }),
  );
  // Rekognition reads Image.S3Object through S3 (an ObjectReader).
  const rekognition = createRekognition(core, { engine: options.faceEngine ?? createFaceEngine({ mode: options.faces, logger, modelIdleSeconds: options.faceModelIdleSeconds }), objects: s3 });
  gateway.register(rekognition);
  components.push(rekognition);
  // Lambda: REST routes under /2015-03-31/; runs S3 notifications' targets and Cognito's triggers.
  const lambda = createLambda(core, fastify, options.lambda);
  components.push(lambda);
  // Cognito: its triggers run in the Lambda runner; its mailbox is the stack's one mailbox.
  const cognito = createCognito(core, fastify, { lambda });
  gateway.register(cognito);
  components.push(cognito);
  // SESv2 SendEmail lands in that mailbox too.
  components.push(registerSes(fastify, { core, mailbox: cognito.services.mailbox }));
  // What provisionTemplate (server/provisioning/provision.ts) made, listed in health.
  const resources: Record<string, string> = {};
  // The face-login web app at / (for a browser) and the console at /_rekognito/.
  components.push(createConsole(fastify, { core, cognito, rekognition, lambda, objects: s3, resources }));

  // The gateway's own routes.
  // 503 "starting" until the stack is ready (the CLI: once the app is provisioned and seeded),
  // so health checks (Docker's HEALTHCHECK, compose --wait, testcontainers) wait for it.
  let ready = options.startReady ?? true;
  fastify.get("/_rekognito/health", async (_request, reply) =>
    reply.code(ready ? 200 : 503).send({
      status: ready ? "ok" : "starting",
      version: VERSION,
      // What runs: the compiled server (npm start) or the TypeScript sources (tests, tsx).
      server: { node: process.versions.node, code: compiledBuild ? "compiled" : "sources" },
      services: Object.fromEntries(components.map((c) => [c.name, c.health()])),
      ...(Object.keys(resources).length ? { resources } : {}),
    }),
  );

  fastify.post("/", async (request, reply) => {
    if (gateway.claims(request)) return gateway.handle(request, reply);
    if (s3.claims(request)) return s3.handle(request, reply);
    return sendAwsError(reply, CommonErrors.unknownOperation("(no X-Amz-Target header)"), core.ids.uuid());
  });

  return {
    fastify,
    core,
    gateway,
    components,
    resources,
    setEndpoint: (url) => {
      endpoint = url;
    },
    markReady: () => {
      ready = true;
    },
    close: async () => {
      await fastify.close();
      for (const c of [...components].reverse()) await c.close();
    },
  };
}

/**
 * Fastify makes its JSON-schema compilers (ajv and fast-json-stringify, ~30 ms) with each
 * instance, at every start and every reset; no route here carries a schema (requests are
 * validated against the AWS service models), so they are loaded only should one ever ask.
 * They are Fastify's own dependencies, required from where Fastify is.
 */
function schemaCompilersOnDemand(): NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]> {
  const fromFastify = (name: string) => createRequire(createRequire(import.meta.url).resolve("fastify"))(name) as () => (...args: unknown[]) => unknown;
  return {
    buildValidator: (...args: unknown[]) => fromFastify("@fastify/ajv-compiler")()(...args),
    buildSerializer: (...args: unknown[]) => fromFastify("@fastify/fast-json-stringify-compiler")()(...args),
  } as never;
}
