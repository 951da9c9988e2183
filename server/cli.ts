import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { listenStack } from "./stack.js";
import { consoleLogger } from "./core/logger.js";
import { VERSION } from "./version.js";
import { existsSync, readFileSync } from "node:fs";
import { KnownCredentials, parseCredentials, type Credential } from "./protocol/sigv4.js";
import { DEFAULT_TEMPLATE, provisionTemplate, type FaceLoginResources } from "./stack/provision.js";
import { seedPersonas } from "./stack/seed.js";
import { FACES_MODES, type FacesMode } from "./faces/composed-engine.js";
import type { RekognitionService } from "./rekognition/index.js";

// This process runs on Node 20; the SDK's notice that its 2027 releases need Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const HELP = `rekognito ${VERSION}: Cognito custom auth, Rekognition, S3, DynamoDB and Lambda on one local endpoint

Usage: npm start -- [options]

Options:
  --port <n>         port to listen on (default 4566, or $PORT)
  --host <addr>      address to bind (default 127.0.0.1, or $HOST)
  --data-dir <dir>   where state is kept between restarts (default .rekognito/, or $REKOGNITO_DATA_DIR)
  --ephemeral        keep nothing: state lives only as long as the process
  --region <r>       region for requests that name none (default us-east-1)
  --storage-endpoint <url>  pass S3 and DynamoDB through to LocalStack/moto at <url> instead of
                     the embedded engines (or $REKOGNITO_STORAGE_ENDPOINT)
  --seed             enrol every fixture persona (fixtures/faces) so a demo signs in at once
  --bare             only the emulator: do not provision the face-login app (template.yaml)
  --faces <mode>     which face engines answer (or $REKOGNITO_FACES): auto (default: the fixtures
                     and their near-copies, and the model engine for real photos), fixtures, model

Security (a web page in the developer's browser must not drive this server):
  --allow-host <name>       also serve this Host name (repeatable; default: loopback names and IP
                     addresses, and --host), e.g. a compose service name (or $REKOGNITO_ALLOW_HOSTS,
                     comma-separated; "*.example.test" matches subdomains)
  --allow-origin <origin>   also serve browser pages from this origin (repeatable; default: loopback
                     origins on any port), e.g. https://app.example.test (or $REKOGNITO_ALLOW_ORIGINS)
  --credentials <id:secret> verify signatures made with this key too (repeatable; test/test and AWS's
                     documentation pair are always known), or $REKOGNITO_CREDENTIALS (comma-separated)
  --credentials-file <file> the same from a file: id:secret lines, or an AWS shared credentials file
                     (or $REKOGNITO_CREDENTIALS_FILE)
  --strict-credentials      refuse keys that are not known, and requests signed more than 15 minutes
                     off the server's clock, as AWS does (or $REKOGNITO_STRICT_CREDENTIALS=1)
  --accept-any-credentials  check no signature, and serve anonymous S3 requests as signed ones
                     (rekognito's old laxness; or $REKOGNITO_ACCEPT_ANY_CREDENTIALS=1)
  -h, --help         this help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      ephemeral: { type: "boolean", default: false },
      region: { type: "string" },
      "storage-endpoint": { type: "string" },
      seed: { type: "boolean", default: false },
      bare: { type: "boolean", default: false },
      faces: { type: "string" },
      "allow-host": { type: "string", multiple: true },
      "allow-origin": { type: "string", multiple: true },
      credentials: { type: "string", multiple: true },
      "credentials-file": { type: "string" },
      "strict-credentials": { type: "boolean", default: false },
      "accept-any-credentials": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 4566);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port ?? process.env.PORT}`);
  const host = values.host ?? process.env.HOST ?? "127.0.0.1";
  const ephemeral = values.ephemeral || process.env.REKOGNITO_EPHEMERAL === "1";
  const dataDir = ephemeral ? null : resolve(values["data-dir"] ?? process.env.REKOGNITO_DATA_DIR ?? ".rekognito");
  const region = values.region ?? process.env.AWS_REGION ?? "us-east-1";
  const storageEndpoint = values["storage-endpoint"] ?? process.env.REKOGNITO_STORAGE_ENDPOINT ?? null;
  if (storageEndpoint && !/^https?:\/\/[^/]+/.test(storageEndpoint)) throw new Error(`--storage-endpoint must be an http(s) URL, got ${storageEndpoint}`);
  const list = (flag: string[] | undefined, env: string | undefined) => [...(flag ?? []), ...(env ?? "").split(",")].map((v) => v.trim()).filter(Boolean);
  const allowHosts = list(values["allow-host"], process.env.REKOGNITO_ALLOW_HOSTS);
  const allowOrigins = list(values["allow-origin"], process.env.REKOGNITO_ALLOW_ORIGINS);
  const credentials: Credential[] = [];
  for (const pair of list(values.credentials, process.env.REKOGNITO_CREDENTIALS)) credentials.push(...parseCredentials(pair, "--credentials"));
  const credentialsFile = values["credentials-file"] ?? process.env.REKOGNITO_CREDENTIALS_FILE;
  if (credentialsFile) credentials.push(...parseCredentials(readFileSync(credentialsFile, "utf8"), credentialsFile));
  const strictCredentials = values["strict-credentials"] || process.env.REKOGNITO_STRICT_CREDENTIALS === "1";
  const acceptAnyCredentials = values["accept-any-credentials"] || process.env.REKOGNITO_ACCEPT_ANY_CREDENTIALS === "1";
  const faces = (values.faces ?? process.env.REKOGNITO_FACES ?? "auto") as FacesMode;
  if (!FACES_MODES.includes(faces)) throw new Error(`--faces must be one of ${FACES_MODES.join(", ")}, got ${faces}`);
  const started = performance.now();
  const stack = await listenStack({
    faces,
    port,
    host,
    dataDir,
    ephemeral,
    region,
    storageEndpoint,
    logger: consoleLogger,
    startReady: false,
    allowHosts,
    allowOrigins,
    credentials,
    strictCredentials,
    acceptAnyCredentials,
  });
  // The face-login app: template.yaml provisioned through the stack's own APIs (idempotent).
  let resources: FaceLoginResources | null = null;
  if (!values.bare && existsSync(DEFAULT_TEMPLATE)) {
    resources = await provisionTemplate(stack);
    if (values.seed) {
      for (const { persona, outcome } of await seedPersonas(stack.endpoint, resources)) consoleLogger.info(`[seed] ${persona.email}: ${outcome}`);
    }
  }
  stack.app.markReady();
  // The model loads in the background now, never before ready (a real photo arriving first waits for it).
  const engine = (stack.app.components.find((c) => c.name === "rekognition") as RekognitionService).engine;
  engine.warm?.();
  const faceHealth = engine.health() as { engines: string[]; realPhotos: string; model: { state: string; reason?: string } };
  const app = resources
    ? [
        "  face-login app (template.yaml), provisioned:",
        ...Object.entries(resources).map(([name, value]) => `    ${name.padEnd(18)} ${value}`),
        values.seed
          ? "  Try it:  npm run login -- ana.silva@example.com fixtures/faces/personas/ana/selfie-1.jpg"
          : "  Try it:  npm run login -- signup ana.silva@example.com fixtures/faces/personas/ana/document.png",
        "",
      ]
    : [];
    const ms = (performance.now() - started).toFixed(0);
  const banner = [
    "",
    `  rekognito ${VERSION} ready in ${ms} ms`,
    `  endpoint   ${stack.endpoint}`,
    `  state      ${dataDir ?? "ephemeral (nothing is kept)"}`,
    ...(storageEndpoint ? [`  storage    S3 and DynamoDB passed through to ${storageEndpoint}`] : []),
    `  faces      ${faceHealth.engines.join(" + ")} (--faces ${faces}); real photos ${faceHealth.realPhotos}${faceHealth.model.reason ? `: ${faceHealth.model.reason}` : faceHealth.model.state === "loading" ? " (the model is loading in the background)" : ""}`,
    `  health     ${stack.endpoint}/_rekognito/health`,
    `  security   ${
      acceptAnyCredentials
        ? "any credentials accepted, signatures not checked (--accept-any-credentials)"
        : `signatures verified for ${new KnownCredentials(credentials).size} known keys${strictCredentials ? ", other keys refused (--strict-credentials)" : ", other keys accepted"}`
    }; browser origins: loopback${allowOrigins.length ? `, ${allowOrigins.join(", ")}` : ""}`,
    "",
    "  Point any AWS SDK or the AWS CLI at it:",
    `    export AWS_ENDPOINT_URL=${stack.endpoint}`,
    `    export AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
    "    export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test",
    "",
    ...app,
  ];
  process.stdout.write(`${banner.join("\n")}\n`);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    consoleLogger.info(`${signal}: closing`);
    await stack.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`rekognito: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
