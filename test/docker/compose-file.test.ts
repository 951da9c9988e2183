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

  it("publishes rekognito on the port it listens on, so presigned URLs work from the host", () => {
    const rk = file.services.rekognito;
    const published = rk.ports.map((p: string) => p.split(":").slice(-2));
    expect(published).toContainEqual([rk.environment.PORT, rk.environment.PORT]);
  });
});
