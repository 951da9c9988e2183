import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parseDuration } from "../core/clock.js";
import { ControlError, type StackControl } from "./index.js";

/**
 * The control API under /_rekognito/ (the request policy in front: loopback or allowed
 * origins and hosts only):
 *
 *   POST   /_rekognito/reset[?service=cognito]        back to the just-started stack
 *   GET    /_rekognito/snapshots                      the snapshots kept
 *   POST   /_rekognito/snapshots/<name>               save the whole state under <name>
 *   GET    /_rekognito/snapshots/<name>               what <name> holds
 *   POST   /_rekognito/snapshots/<name>/restore       put <name>'s state in place
 *   DELETE /_rekognito/snapshots/<name>
 *   GET    /_rekognito/snapshots/<name>/export        one JSON file
 *   PUT    /_rekognito/snapshots/<name>               import such a file under <name>
 *   GET    /_rekognito/clock                          the stack's time and clock mode
 *   POST   /_rekognito/clock  {"advance":"PT5M"} | {"set":"2027-01-01T00:00:00Z"}
 *   POST   /_rekognito/seed   {"personas":["ana","mei"]} (or no body: all of them)
 *
 * Requests that change state must not be what a web page can send another site without a
 * preflight: a form's body types (`application/x-www-form-urlencoded`, `multipart/form-data`,
 * `text/plain`) are refused. Modern browsers name the page's Origin on such a POST, and the
 * request policy refuses foreign origins already; this holds where a browser does not.
 */

/** Content types a cross-site page can POST without a CORS preflight (the Fetch standard's CORS-safelisted ones). */
const SIMPLE_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

function fail(reply: FastifyReply, error: ControlError): FastifyReply {
  return reply.code(error.status).header("content-type", "application/json").header("x-amzn-errortype", error.type).send(JSON.stringify({ __type: error.type, message: error.message }));
}

function json(reply: FastifyReply, status: number, value: unknown): FastifyReply {
  return reply.code(status).header("content-type", "application/json").header("cache-control", "no-store").send(JSON.stringify(value));
}

/** The JSON object a request carries, {} without a body. */
function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  if (!body || body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ControlError(400, "SerializationException", "The request body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ControlError(400, "SerializationException", "The request body must be a JSON object");
  return value as Record<string, unknown>;
}

export function registerControlRoutes(fastify: FastifyInstance, control: StackControl): void {
  const handle =
    (action: string, run: (request: FastifyRequest<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>) => Promise<unknown> | unknown, status = 200) =>
    async (request: FastifyRequest<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>, reply: FastifyReply) => {
      request.awsLog = { service: "rekognito", action };
      try {
        if (request.method !== "GET" && request.method !== "HEAD") {
          const type = String(request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
          if (SIMPLE_TYPES.has(type)) {
            throw new ControlError(
              415,
              "UnsupportedMediaTypeException",
              `rekognito's control API takes JSON (Content-Type: application/json) or no body, not ${type}: a web page can send that type to any site without asking, so it is refused`,
            );
          }
        }
        const value = await run(request);
        if (Buffer.isBuffer(value)) {
          // An exported snapshot: a download in a browser, a plain JSON body for curl -o and fetch.
          return reply
            .code(status)
            .header("content-type", "application/json")
            .header("content-disposition", `attachment; filename="${request.params.name}.rekognito.json"`)
            .header("cache-control", "no-store")
            .send(value);
        }
        return json(reply, status, value);
      } catch (error) {
        if (error instanceof ControlError) return fail(reply, error);
        throw error;
      }
    };

  fastify.post(
    "/_rekognito/reset",
    handle("Reset", (request) => control.reset({ service: request.query.service }, request.raw)),
  );

  fastify.get(
    "/_rekognito/snapshots",
    handle("ListSnapshots", () => ({ snapshots: control.listSnapshots() })),
  );
  fastify.get(
    "/_rekognito/snapshots/:name",
    handle("DescribeSnapshot", (request) => control.describeSnapshot(request.params.name)),
  );
  fastify.post(
    "/_rekognito/snapshots/:name",
    handle("CreateSnapshot", (request) => control.snapshot(request.params.name, request.raw), 201),
  );
  fastify.post(
    "/_rekognito/snapshots/:name/restore",
    handle("RestoreSnapshot", (request) => control.restore(request.params.name, request.raw)),
  );
  fastify.delete(
    "/_rekognito/snapshots/:name",
    handle("DeleteSnapshot", (request) => ({ deleted: control.deleteSnapshot(request.params.name) })),
  );
  fastify.get(
    "/_rekognito/snapshots/:name/export",
    handle("ExportSnapshot", (request) => control.exportSnapshot(request.params.name)),
  );
  fastify.put(
    "/_rekognito/snapshots/:name",
    handle("ImportSnapshot", (request) => control.importSnapshot(request.params.name, Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)), 201),
  );

  fastify.get(
    "/_rekognito/clock",
    handle("GetClock", () => control.clockState()),
  );
  fastify.post(
    "/_rekognito/clock",
    handle("SetClock", (request) => {
      const body = bodyOf(request);
      const has = (key: string) => Object.hasOwn(body, key);
      if (has("advance") === has("set")) {
        throw new ControlError(400, "InvalidParameterValueException", 'Send one of {"advance": <ms or ISO 8601 duration such as "PT5M">} or {"set": <ISO 8601 time or ms since the epoch>}');
      }
      if (has("advance")) {
        const ms = parseDuration(body.advance);
        if (ms === undefined) throw new ControlError(400, "InvalidParameterValueException", `advance must be milliseconds or a duration such as "PT5M", "P1DT2H", "90s": got ${JSON.stringify(body.advance)}`);
        return control.advanceClock(ms);
      }
      const at = typeof body.set === "number" ? body.set : typeof body.set === "string" ? Date.parse(body.set) : Number.NaN;
      if (!Number.isFinite(at)) throw new ControlError(400, "InvalidParameterValueException", `set must be an ISO 8601 time (2027-01-01T00:00:00Z) or milliseconds since the epoch: got ${JSON.stringify(body.set)}`);
      return control.setClock(at);
    }),
  );

  fastify.post(
    "/_rekognito/seed",
    handle("Seed", (request) => {
      const body = bodyOf(request);
      const personas = body.personas;
      if (personas !== undefined && (!Array.isArray(personas) || !personas.every((p) => typeof p === "string"))) {
        throw new ControlError(400, "InvalidParameterValueException", 'personas must be a list of persona ids or emails, e.g. {"personas":["ana","mei"]}');
      }
      return control.seed(personas as string[] | undefined);
    }),
  );
}
