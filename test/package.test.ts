import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// What a user's own test does after `npm install rekognito`: import the package from plain Node
// (no TypeScript loader of its own), start a stack, talk to it, close it.
describe("the package's public API", () => {
  it("starts an ephemeral stack from plain Node via import('rekognito')", () => {
    const script = `
      const { startStack, fixtureImages } = await import("rekognito");
      const stack = await startStack();
      const health = await (await fetch(stack.endpoint + "/_rekognito/health")).json();
      await stack.close();
      const { dockerAvailability } = await import("rekognito/testcontainers");
      console.log(JSON.stringify({ status: health.status, selfies: fixtureImages({ kind: "selfie" }).length, docker: typeof (await dockerAvailability()).available }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8",
      env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ status: "ok", selfies: 21, docker: "boolean" });
  });
});
