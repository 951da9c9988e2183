import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// The Compose file is checked without an engine: Debian's docker-compose validates it
// (`docker-compose config`), and its wiring is asserted here.
const compose = spawnSync("docker-compose", ["version"], { encoding: "utf8" });
const hasCompose = compose.status === 0;
if (!hasCompose) console.log("[skip] docker-compose config: docker-compose is not installed (apt-get install docker-compose)");

describe("docker-compose.yml", () => {
  const file = parse(readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8"));

  it.skipIf(!hasCompose)("validates with docker-compose config", () => {
    const out = execFileSync("docker-compose", ["-f", "docker-compose.yml", "config", "--quiet"], {
      cwd: new URL("../..", import.meta.url),
      encoding: "utf8",
    });
    expect(out).toBe("");
  });

  it("starts rekognito after LocalStack is healthy, on LocalStack's storage", () => {
    const rk = file.services.rekognito;
    expect(rk.depends_on.localstack.condition).toBe("service_healthy");
    expect(rk.environment.REKOGNITO_STORAGE_ENDPOINT).toBe("http://localstack:4566");
    expect(file.services.localstack.healthcheck.test.join(" ")).toContain("/_localstack/health");
  });

  it("pins LocalStack to 4.14.0, the last image that runs without a token, and passes a token through for a current one", () => {
    const localstack = file.services.localstack;
    expect(localstack.image).toBe("localstack/localstack:${LOCALSTACK_VERSION:-4.14.0}");
    expect(localstack.environment.LOCALSTACK_AUTH_TOKEN).toBe("${LOCALSTACK_AUTH_TOKEN:-}");
  });

  it.skipIf(!hasCompose)("resolves the pin and the token as Compose interpolates them", () => {
    const config = (env: Record<string, string>) =>
      parse(execFileSync("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: new URL("../..", import.meta.url), encoding: "utf8", env: { PATH: process.env.PATH!, ...env } }));
    const plain = config({}).services.localstack;
    expect(plain.image).toBe("localstack/localstack:4.14.0");
    const withToken = config({ LOCALSTACK_VERSION: "latest", LOCALSTACK_AUTH_TOKEN: "ls-token" }).services.localstack;
    expect(withToken.image).toBe("localstack/localstack:latest");
    expect(withToken.environment.LOCALSTACK_AUTH_TOKEN).toBe("ls-token");
  });

  it("builds an image whose Lambda runner has python3, boto3 and curl", () => {
    const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
    const final = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(final).toMatch(/apt-get install[^\n]*python3 python3-boto3 curl/);
  });

  it("publishes rekognito on the port it listens on, so presigned URLs work from the host", () => {
    const rk = file.services.rekognito;
    const published = rk.ports.map((p: string) => p.split(":").slice(-2));
    expect(published).toContainEqual([rk.environment.PORT, rk.environment.PORT]);
  });
});
