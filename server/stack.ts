import { buildApp, type App, type AppOptions } from "./app.js";
import { silentLogger } from "./core/logger.js";

export interface StackOptions extends AppOptions {
  /** 0 (default for tests) picks a free port. */
  port?: number;
  host?: string;
}

export interface Stack {
  /** http://127.0.0.1:PORT: set it as AWS_ENDPOINT_URL for every SDK client. */
  endpoint: string;
  port: number;
  region: string;
  app: App;
  close(): Promise<void>;
}

/** Starts a stack listening on a port. Ephemeral and silent unless told otherwise. */
export async function listenStack(options: StackOptions = {}): Promise<Stack> {
  const app = await buildApp(options);
  const host = options.host ?? "127.0.0.1";
  await app.fastify.listen({ port: options.port ?? 0, host });
  const address = app.fastify.server.address();
  const port = typeof address === "object" && address ? address.port : Number(options.port);
  const endpoint = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`;
  app.setEndpoint(endpoint);
  return { endpoint, port, region: app.core.defaultRegion, app, close: () => app.close() };
}

/**
 * For users' own tests: an ephemeral in-process stack on a random port.
 *
 *   const stack = await startStack();
 *   const client = new RekognitionClient({ endpoint: stack.endpoint, region: "us-east-1" });
 *   ...
 *   await stack.close();
 */
export function startStack(options: StackOptions = {}): Promise<Stack> {
  return listenStack({ ephemeral: true, logger: silentLogger, port: 0, ...options });
}
