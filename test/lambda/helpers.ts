import { LambdaClient } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import type { Stack } from "../../server/stack.js";
import type { LambdaService } from "../../server/lambda/index.js";

export const ROLE = "arn:aws:iam::000000000000:role/lambda-role";

/** A deployment package built in memory: file name → source text. */
export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));
}

/** A deployment package whose entries may carry a Unix mode (a bootstrap, a layer's bin/ tool must be executable). */
export function zipWithModes(files: Record<string, string | { text: string; mode: number }>): Uint8Array {
  return zipSync(
    Object.fromEntries(
      Object.entries(files).map(([name, file]) =>
        typeof file === "string" ? [name, strToU8(file)] : [name, [strToU8(file.text), { os: 3, attrs: (file.mode << 16) >>> 0 }]],
      ),
    ) as never,
  );
}

export function lambdaClient(stack: { endpoint: string }): LambdaClient {
  return new LambdaClient({
    endpoint: stack.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

/** The stack's Lambda service (what Cognito's triggers call). */
export function lambdaService(stack: Stack): LambdaService {
  const component = stack.app.components.find((c) => c.name === "lambda");
  if (!component) throw new Error("no lambda component in the stack");
  return component as LambdaService;
}

export function payloadOf(out: { Payload?: Uint8Array }): unknown {
  return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8"));
}
