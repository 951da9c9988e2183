import { Transform } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServiceModel } from "./model.js";

/**
 * Which operation of a REST service (Lambda, SES v2) a request is, from the model's
 * `requestUri`s: matched here rather than by one Fastify route per operation. Fastify's router
 * spends about a millisecond of start-up on each route it adds (and adds a HEAD route for each
 * GET); Lambda's 85 operations, each also with a trailing slash, and SES's 110 were ~250 routes
 * and most of the time a start took. Now each service has one route per path prefix, and this
 * matcher (a few microseconds a request) picks the operation.
 *
 * The rules are the router's: a literal segment is preferred to a label, a label to a greedy
 * label, at the first segment where two operations differ; a label matches one non-empty
 * segment, percent-decoded; operations that share a method and a path are told apart by the
 * literal in their URI's query (`?find=LayerVersion`), else the one without wins; HEAD is
 * answered as GET.
 */

type Segment = { literal: string } | { label: string; greedy: boolean };

interface Pattern {
  segments: Segment[];
  operations: { name: string; query?: [string, string] }[];
}

export interface RestMatch {
  name: string;
  /** The URI labels' values by label name (`FunctionName`), percent-decoded. */
  params: Record<string, string>;
}

const rank = (s: Segment) => ("literal" in s ? 0 : s.greedy ? 2 : 1);

export class RestRoutes {
  /** The first path segment of every operation (`/2015-03-31`), or the service's own. */
  readonly prefixes: string[];
  private readonly byMethod = new Map<string, Pattern[]>();

  constructor(
    model: ServiceModel,
    private readonly options: { prefixes?: string[]; trailingSlash?: boolean } = {},
  ) {
    const prefixes = new Set<string>(options.prefixes ?? []);
    const byKey = new Map<string, Pattern>();
    for (const [name, operation] of Object.entries(model.operations)) {
      const method = (operation.http.method ?? "POST").toUpperCase();
      const uri = operation.http.requestUri ?? "/";
      const [path = "/", literal] = uri.split("?");
      if (!options.prefixes) prefixes.add(`/${uri.split("/")[1]}`);
      const normalised = options.trailingSlash ? path.replace(/(.)\/$/, "$1") : path;
      const segments: Segment[] = normalised
        .split("/")
        .slice(1)
        .map((part) => {
          const label = /^\{([^}]+?)(\+?)\}$/.exec(part);
          return label ? { label: label[1]!, greedy: label[2] === "+" } : { literal: part };
        });
      const key = `${method} ${segments.map((s) => ("literal" in s ? `/${s.literal}` : s.greedy ? "/*" : "/:")).join("")}`;
      let pattern = byKey.get(key);
      if (!pattern) {
        pattern = { segments, operations: [] };
        byKey.set(key, pattern);
        const list = this.byMethod.get(method) ?? [];
        list.push(pattern);
        this.byMethod.set(method, list);
      }
      const query = literal ? (literal.split("&")[0]!.split("=") as [string, string]) : undefined;
      pattern.operations.push(query ? { name, query: [query[0], query[1] ?? ""] } : { name });
    }
    this.prefixes = [...prefixes];
  }

  /**
   * The operation `method path` is, or undefined. Throws URIError for a segment that is not
   * valid percent-encoding.
   */
  match(method: string, path: string, query: Record<string, unknown>): RestMatch | undefined {
    const patterns = this.byMethod.get(method === "HEAD" ? "GET" : method);
    if (!patterns) return undefined;
    // The AWS CLI v2 sends some paths with a trailing slash (GET /2015-03-31/functions/ for
    // ListFunctions): with trailingSlash, every path answers both ways.
    const trimmed = this.options.trailingSlash && path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
    const parts = trimmed.split("/").slice(1);
    let decoded: string[] | undefined;
    let best: { pattern: Pattern; params: Record<string, string> } | undefined;
    for (const pattern of patterns) {
      const params = this.bind(pattern.segments, parts, (decoded ??= parts.map((p) => (p.includes("%") ? decodeURIComponent(p) : p))));
      if (params && (!best || this.before(pattern.segments, best.pattern.segments))) best = { pattern, params };
    }
    if (!best) return undefined;
    const { operations } = best.pattern;
    const named = operations.find((o) => o.query && query[o.query[0]] === o.query[1]) ?? operations.find((o) => !o.query) ?? operations[0]!;
    return { name: named.name, params: best.params };
  }

  private bind(segments: Segment[], raw: string[], parts: string[]): Record<string, string> | undefined {
    const params: Record<string, string> = {};
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if ("literal" in segment) {
        if (parts[i] !== segment.literal) return undefined;
      } else if (segment.greedy) {
        params[segment.label] = parts.slice(i).join("/");
        return params;
      } else {
        if (i >= parts.length || parts[i] === "") return undefined;
        params[segment.label] = parts[i]!;
      }
    }
    return raw.length === segments.length ? params : undefined;
  }

  /** Whether `a` is preferred to `b`: a literal before a label before a greedy label, at the first difference. */
  private before(a: Segment[], b: Segment[]): boolean {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = rank(a[i]!) - rank(b[i]!);
      if (d !== 0) return d < 0;
    }
    return a.length > b.length;
  }
}

/** FST_ERR_CTP_BODY_TOO_LARGE, as Fastify's body reader raises it, for an operation's own limit. */
function bodyTooLarge(): Error {
  return Object.assign(new Error("Request body is too large"), { code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 });
}

export interface RestRouteHandlers {
  /** The request matched an operation. */
  operation(match: RestMatch, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  /** A path under the prefixes that is no operation (or is not valid percent-encoding). */
  unknown(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  /** An error before the handler ran (a body over the operation's `limit`, bytes). */
  error(error: Error, match: RestMatch | undefined, limit: number, request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

/**
 * The routes' paths: `/v2/email/*` for one prefix; for several of one segment each (Lambda's 16
 * API versions), one route whose first segment is any of them, `/:apiVersion(^(?:2015-03-31|…)$)/*`
 * (Fastify's router costs about a millisecond a route at start, and a route is one per method).
 * Either way exactly those prefixes are the service's: any other first segment goes to S3.
 */
function routeUrls(prefixes: string[]): string[] {
  const segments = prefixes.map((p) => p.slice(1));
  if (segments.length < 2 || segments.some((s) => !/^[A-Za-z0-9._-]+$/.test(s))) return prefixes.map((p) => `${p}/*`);
  const alternatives = segments.map((s) => s.replace(/[.]/g, "\\.")).join("|");
  return [`/:apiVersion(^(?:${alternatives})$)/*`];
}

/**
 * One route per prefix (`/2015-03-31/*`, every method) for all of a service's operations. Each
 * operation keeps its own body limit (`bodyLimits`, else the stack's): refused from its
 * Content-Length before a byte is read, or as soon as a body without one passes it.
 */
export function registerRestRoutes(fastify: FastifyInstance, routes: RestRoutes, bodyLimits: Record<string, number> | undefined, handlers: RestRouteHandlers): void {
  const defaultLimit = fastify.initialConfig.bodyLimit ?? 1024 * 1024;
  const routeLimit = Math.max(defaultLimit, ...Object.values(bodyLimits ?? {}));
  const matches = new WeakMap<FastifyRequest, RestMatch | null>();
  const matchOf = (request: FastifyRequest): RestMatch | undefined => {
    let found = matches.get(request);
    if (found === undefined) {
      try {
        found = routes.match(request.method, request.url.split("?", 1)[0]!, (request.query ?? {}) as Record<string, unknown>) ?? null;
      } catch {
        found = null; // not valid percent-encoding: no operation
      }
      matches.set(request, found);
    }
    return found ?? undefined;
  };
  const limitOf = (match: RestMatch | undefined) => (match && bodyLimits?.[match.name]) ?? defaultLimit;
  for (const url of routeUrls(routes.prefixes)) {
    fastify.route({
      method: ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT", "OPTIONS"],
      url,
      bodyLimit: routeLimit,
      preParsing: async (request, _reply, payload) => {
        const limit = limitOf(matchOf(request));
        if (limit >= routeLimit) return payload;
        if (Number(request.headers["content-length"]) > limit) throw bodyTooLarge();
        let received = 0;
        return payload.pipe(
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              received += chunk.length;
              done(received > limit ? bodyTooLarge() : null, chunk);
            },
          }),
        );
      },
      handler: (request, reply) => {
        const match = matchOf(request);
        return match ? handlers.operation(match, request, reply) : handlers.unknown(request, reply);
      },
      errorHandler: (error, request, reply) => {
        const match = matchOf(request);
        return handlers.error(error as Error, match, limitOf(match), request, reply);
      },
    });
  }
}
