import type { FastifyInstance } from "fastify";
import type { LambdaBackend } from "./backend.js";

/** Where GetFunction's Code.Location points: the deployment package as it was uploaded. */
export function codeLocation(baseUrl: string, name: string, revisionId: string): string {
  return `${baseUrl}/_rekognito/lambda/code/${encodeURIComponent(name)}/${revisionId}.zip`;
}

/** Serves deployment packages (the presigned S3 URL of AWS's GetFunction). */
export function registerCodeRoute(fastify: FastifyInstance, backend: LambdaBackend): void {
  fastify.get<{ Params: { name: string; file: string } }>("/_rekognito/lambda/code/:name/:file", async (request, reply) => {
    const fn = backend.registry.get(request.params.name);
    const zip = fn && request.params.file === `${fn.revisionId}.zip` ? backend.zipOf(fn) : undefined;
    if (!zip) return reply.code(404).header("content-type", "text/plain").send("Not found");
    return reply.code(200).header("content-type", "application/zip").send(zip);
  });
}
