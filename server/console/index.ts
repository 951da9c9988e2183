import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { CoreServices, StackComponent } from "../core/services.js";
import type { CognitoService } from "../cognito/index.js";
import type { LambdaService } from "../lambda/index.js";
import type { RekognitionService } from "../rekognition/index.js";
import type { ObjectReader } from "../storage/object-reader.js";
import { baseUrlOf } from "../protocol/json.js";
import { VERSION } from "../version.js";
import { amplifyOutputs } from "../../web/outputs.js";
import { MAX_TRACES } from "../core/traces.js";
import { listResources } from "./resources.js";
import { EventStreams } from "./sse.js";
import { wantsAppPage, WebApp } from "./web-app.js";

/**
 * rekognito's own pages, beside the AWS APIs on the same endpoint:
 *
 *   /                          the face-login web app (web/), for a browser: a GET that asks for
 *                              HTML and carries no AWS signature; SDK calls to / stay S3's ListBuckets
 *   /_rekognito/app/*          the app's files and its amplify_outputs.json (what the stack provisioned)
 *   /_rekognito/               the console: mailbox, traces, resources (one page, live by SSE)
 *   /_rekognito/api/*          the console's data: traces, resources, face images, events (SSE)
 *
 * The request policy (server/protocol/policy.ts) decides who may call these, as for every
 * route: loopback origins and those allowed with --allow-origin only.
 */

export interface ConsoleDeps {
  core: CoreServices;
  cognito: CognitoService;
  rekognition: RekognitionService;
  lambda: LambdaService;
  objects: ObjectReader;
  /** What provisionTemplate made (the app's user pool and client), empty until then. */
  resources: Record<string, string>;
  /** Where the built app is (default: web/build.ts's DEFAULT_OUT_DIR). */
  webOutDir?: string;
}

export interface ConsoleComponent extends StackComponent {
  readonly webApp: WebApp;
}

const ASSETS = new URL("./assets/", import.meta.url);
const asset = (name: string) => readFileSync(new URL(name, ASSETS));

const PAGE_TYPES: Record<string, string> = {
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

export function createConsole(fastify: FastifyInstance, deps: ConsoleDeps): ConsoleComponent {
  const { core } = deps;
  const webApp = new WebApp(core.logger, deps.webOutDir);
  const streams = new EventStreams();
  const assets = new Map<string, Buffer>();
  const cached = (name: string) => {
    let body = assets.get(name);
    if (!body) assets.set(name, (body = asset(name)));
    return body;
  };

  const sendApp = async (reply: FastifyReply, name: string) => {
    const file = await webApp.file(name);
    if ("missing" in file) {
      return reply
        .code(503)
        .header("content-type", name === "index.html" ? "text/html; charset=utf-8" : "text/plain; charset=utf-8")
        .send(name === "index.html" ? unavailablePage(file.missing) : `The face-login web app is not available: ${file.missing}\n`);
    }
    return reply.header("content-type", file.contentType).header("cache-control", "no-cache").send(file.body);
  };

  const consolePage = (reply: FastifyReply) => reply.header("content-type", "text/html; charset=utf-8").header("cache-control", "no-cache").send(cached("console.html"));

  // `GET /` from a browser is the app; `GET /_rekognito/mailbox` from a browser is the console's
  // mailbox page (scripts and tests asking for JSON keep getting JSON). Both run after the
  // request policy's own onRequest step, so a refused Host or Origin never gets here.
  // A callback hook, not an async one: that would cost every request a promise and a turn of
  // the microtask queue. One that answers here goes on (`done`) once it has, as an async hook did.
  fastify.addHook("onRequest", (request, reply, done) => {
    if (reply.sent) return done();
    const path = (request.raw.url ?? request.url).split("?", 1)[0]!;
    if (path === "/" && wantsAppPage(request)) {
      if (!deps.resources.userPoolClientId) {
        reply.code(404).header("content-type", "text/html; charset=utf-8").send(unavailablePage("no face-login app is provisioned in this stack (it was started with --bare, or template.yaml is missing).", false));
        return done();
      }
      sendApp(reply, "index.html").then(() => done(), done);
      return;
    }
    if (path === "/_rekognito/mailbox" && request.method === "GET" && /\btext\/html\b/i.test(String(request.headers.accept ?? ""))) {
      consolePage(reply);
    }
    done();
  });

  fastify.get<{ Params: { file: string } }>("/_rekognito/app/:file", async (request, reply) => {
    const { file } = request.params;
    if (file === "amplify_outputs.json") {
      const r = deps.resources;
      if (!r.userPoolId || !r.userPoolClientId) {
        return reply.code(404).header("content-type", "application/json").send({ message: "No face-login app is provisioned in this stack (started with --bare?)." });
      }
      const outputs = amplifyOutputs({ region: r.region ?? core.defaultRegion, userPoolId: r.userPoolId, userPoolClientId: r.userPoolClientId, userPoolEndpoint: baseUrlOf(request) });
      return reply.header("content-type", "application/json").header("cache-control", "no-store").send(JSON.stringify(outputs, null, 2));
    }
    return sendApp(reply, file);
  });

  for (const path of ["/_rekognito", "/_rekognito/", "/_rekognito/traces", "/_rekognito/traces/:id", "/_rekognito/resources"]) {
    fastify.get(path, async (_request, reply) => consolePage(reply));
  }
  fastify.get<{ Params: { file: string } }>("/_rekognito/assets/:file", async (request, reply) => {
    const type = Object.hasOwn(PAGE_TYPES, request.params.file) ? PAGE_TYPES[request.params.file] : undefined;
    if (!type) return reply.code(404).header("content-type", "text/plain").send("no such file\n");
    return reply.header("content-type", type).header("cache-control", "no-cache").send(cached(request.params.file));
  });

  fastify.get("/_rekognito/api/about", async (request, reply) =>
    reply.send({
      version: VERSION,
      endpoint: baseUrlOf(request),
      app: deps.resources.userPoolId ? `${baseUrlOf(request)}/` : null,
      resources: deps.resources,
      webApp: webApp.state,
    }),
  );

  fastify.get<{ Querystring: { user?: string; pool?: string; kind?: string } }>("/_rekognito/api/traces", async (request, reply) => {
    const { user, pool, kind } = request.query;
    const traces = core.traces?.list({ user, poolId: pool, kind: kind === "sign-in" || kind === "s3-event" || kind === "invocation" ? kind : undefined }) ?? [];
    return reply.send({ traces });
  });

  fastify.get<{ Params: { id: string } }>("/_rekognito/api/traces/:id", async (request, reply) => {
    const trace = core.traces?.get(request.params.id);
    if (!trace) return reply.code(404).send({ message: `No trace ${request.params.id} (traces are kept in memory, the latest ${MAX_TRACES} at most).` });
    const { bytes: _bytes, ...rest } = trace;
    return reply.send(rest);
  });

  fastify.get("/_rekognito/api/resources", async (_request, reply) =>
    reply.send(
      await listResources({
        core,
        cognito: deps.cognito,
        rekognition: deps.rekognition,
        lambda: deps.lambda,
        regions: () => [...new Set([core.defaultRegion, deps.resources.region].filter((r): r is string => !!r))],
      }),
    ),
  );

  // The image a face was indexed from: only objects a face came from, never any object by name.
  fastify.get<{ Params: { faceId: string } }>("/_rekognito/api/faces/:faceId/image", async (request, reply) => {
    const source = core.traces?.faceSources.get(request.params.faceId);
    if (!source) return reply.code(404).send({ message: "This server did not see where that face was indexed from." });
    const object = await deps.objects.readObject(source.bucket, source.key);
    if (!object) return reply.code(404).send({ message: `s3://${source.bucket}/${source.key} is gone.` });
    return reply.header("content-type", object.contentType && /^image\//.test(object.contentType) ? object.contentType : "application/octet-stream").header("cache-control", "no-cache").send(object.body);
  });

  fastify.get("/_rekognito/api/events", async (request, reply) => streams.open(request, reply));

  const unsubscribe = core.traces?.subscribe(
    (change) => streams.send("trace", change),
    () => streams.size > 0,
  );
  const onMail = (mail: { id: string; to: string; subject: string; code: string | null }) => streams.send("mail", mail);
  core.events.on("mail", onMail);
  fastify.addHook("preClose", async () => streams.closeAll());

  return {
    name: "console",
    webApp,
    health: () => ({ webApp: webApp.state.state, traces: core.traces?.size ?? 0, liveViewers: streams.size }),
    close: async () => {
      unsubscribe?.();
      core.events.off("mail", onMail);
      streams.closeAll();
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function unavailablePage(reason: string, howToBuild = true): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Face login: not available</title><link rel="icon" href="data:,"></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>The face-login web app is not available</h1>
<p role="alert">${escapeHtml(reason)}</p>
${howToBuild ? `<p>It is built from <code>web/</code> by <code>npm ci</code> (the <code>prepare</code> script), or by hand: <code>npx tsx web/build.ts</code>.</p>` : ""}
<p>The console is at <a href="/_rekognito/">/_rekognito/</a>.</p>
</body></html>`;
}
