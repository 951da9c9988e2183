import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { LOG_LEVELS, TerminalLogger, type LogLevel } from "./core/logger.js";
import { VERSION } from "./version.js";
import { CLOCK_MODES, clockOf, type ClockMode } from "./core/clock.js";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { KnownCredentials, parseCredentials, type Credential } from "./protocol/sigv4.js";
import type { FaceLoginResources } from "./provisioning/provision.js";
import type { Template } from "./provisioning/template.js";
import type { ConsoleComponent } from "./console/index.js";
import { FACES_MODES, type FacesMode } from "./faces/composed-engine.js";
import type { RekognitionService } from "./rekognition/index.js";
import type { DynaliteEngine } from "./storage/dynamodb/engine.js";
// The stack itself (./stack.js and what it serves, provisioning, seeding) is imported in main(),
// once the DynamoDB engine is forked: see there.

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
  --clock <mode>     system (default), manual (stands still unless moved) or offset (flows, and can
                     jump ahead): manual and offset are moved with POST /_rekognito/clock (or
                     $REKOGNITO_CLOCK)
  --snapshot <file>  start from an exported snapshot (GET /_rekognito/snapshots/<name>/export): the
                     state is replaced by it, and reset goes back to it (or $REKOGNITO_SNAPSHOT)
  --face-model-idle-seconds <n>  give the face model's memory back after this long with no photo to
                     analyse (default 300, 0 for never; or $REKOGNITO_FACE_MODEL_IDLE_SECONDS)
  --lambda-idle-seconds <n>      reclaim a Lambda execution environment idle this long (default 300,
                     or $REKOGNITO_LAMBDA_IDLE_SECONDS)
  --lambda-max-environments <n>  most Lambda execution environments at once, all functions together
                     (default: a quarter of this machine's memory at ~128 MB each, 4 to 32; or
                     $REKOGNITO_LAMBDA_MAX_ENVIRONMENTS)

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

Output (one line per request; colour on a terminal only, never with NO_COLOR set):
  --verbose          also every request of provisioning and seeding, and rekognito's own routes
                     (the same as --log-level debug)
  --quiet            only warnings and errors, and the banner (--log-level warn)
  --log-level <l>    debug, info (default), warn, error or silent (or $REKOGNITO_LOG_LEVEL)
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
      clock: { type: "string" },
      snapshot: { type: "string" },
      "lambda-idle-seconds": { type: "string" },
      "face-model-idle-seconds": { type: "string" },
      "lambda-max-environments": { type: "string" },
      "allow-host": { type: "string", multiple: true },
      "allow-origin": { type: "string", multiple: true },
      credentials: { type: "string", multiple: true },
      "credentials-file": { type: "string" },
      "strict-credentials": { type: "boolean", default: false },
      "accept-any-credentials": { type: "boolean", default: false },
      verbose: { type: "boolean", short: "v", default: false },
      quiet: { type: "boolean", short: "q", default: false },
      "log-level": { type: "string" },
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
  const clockMode = (values.clock ?? process.env.REKOGNITO_CLOCK ?? "system") as ClockMode;
  if (!CLOCK_MODES.includes(clockMode)) throw new Error(`--clock must be one of ${CLOCK_MODES.join(", ")}, got ${clockMode}`);
  const snapshot = values.snapshot ?? process.env.REKOGNITO_SNAPSHOT;
  const whole = (flag: string, text: string | undefined, least = 1) => {
    if (text === undefined || text === "") return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < least) throw new Error(`--${flag} must be a whole number of at least ${least}, got ${text}`);
    return n;
  };
  const faceModelIdleSeconds = whole("face-model-idle-seconds", values["face-model-idle-seconds"] ?? process.env.REKOGNITO_FACE_MODEL_IDLE_SECONDS, 0);
  const lambda = {
    idleSeconds: whole("lambda-idle-seconds", values["lambda-idle-seconds"] ?? process.env.REKOGNITO_LAMBDA_IDLE_SECONDS),
    maxEnvironments: whole("lambda-max-environments", values["lambda-max-environments"] ?? process.env.REKOGNITO_LAMBDA_MAX_ENVIRONMENTS),
  };
  const level = (values["log-level"] ?? process.env.REKOGNITO_LOG_LEVEL ?? (values.verbose ? "debug" : values.quiet ? "warn" : "info")) as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${level}`);
  const logger = new TerminalLogger({ level });
  const p = logger.paint;
  const started = performance.now();
  const clock = clockOf(clockMode);
  // The DynamoDB engine is a process of its own, and takes longer to start (a restored data
  // directory's LevelDB recovered) than this one takes to load the server's code. Provisioning
  // waits for it (the tables are checked), so then it is forked first, starts on the other core
  // while the code below loads, and the stack takes it over: ~60 ms sooner ready here. Not with
  // --bare, where nothing waits for it before ready (forked this early it only took CPU from
  // the start: ~100 ms later ready here), nor into a data directory without tables yet (the
  // stack tells a first start by that directory being empty): the stack forks it as it builds.
  // A first start provisions the app's user pool: its signing key is generated meanwhile, on
  // libuv's thread pool, rather than when CreateUserPool asks for it (~0.1-0.4 s here).
  const firstStart = !values.bare && !storageEndpoint && !snapshot && (dataDir === null || !existsSync(dataDir) || readdirSync(dataDir).length === 0);
  const keys = firstStart ? (await import("./core/keys.js")).keysGeneratedAhead() : undefined;
  let dynalite: DynaliteEngine | undefined;
  const tables = dataDir ? join(dataDir, "dynamodb") : null;
  if (!storageEndpoint && !values.bare && (tables === null || (existsSync(tables) && readdirSync(tables).length > 0))) {
    const { DEFAULT_DEADLINE_MS, DynaliteEngine } = await import("./storage/dynamodb/engine.js");
    dynalite = new DynaliteEngine({ directory: tables, deadlineMs: DEFAULT_DEADLINE_MS, logger, now: () => clock.now() });
  }
  const [{ listenStack }, { DEFAULT_TEMPLATE, provisionTemplate }, { seedPersonas }, { readTemplate }] = await Promise.all([
    import("./stack.js"),
    import("./provisioning/provision.js"),
    import("./face-login/seed.js"),
    import("./provisioning/template.js"),
  ]);
  const stack = await listenStack({
    faces,
    faceModelIdleSeconds,
    port,
    host,
    dataDir,
    ephemeral,
    region,
    storageEndpoint,
    logger,
    startReady: false,
    allowHosts,
    allowOrigins,
    credentials,
    strictCredentials,
    acceptAnyCredentials,
    clock,
    lambda,
    // --bare provisions nothing: an engine with no tables yet is forked at the first DynamoDB
    // request (which waits ~0.2 s for it), not at every start.
    ...(keys ? { keys } : {}),
    ...(dynalite ? { dynamodb: { engine: dynalite } } : values.bare ? { dynamodb: { startOnFirstRequest: true } } : {}),
    // What a reset sets up again when it has no record of the just-started state.
    setup: { provision: !values.bare && existsSync(DEFAULT_TEMPLATE), seed: values.seed },
    ...(snapshot ? { snapshot: resolve(snapshot) } : {}),
  });
  // The face-login app: template.yaml provisioned through the stack's own APIs (idempotent).
  // Their requests are detail (--verbose lists them): a line each says what was done.
  let resources: FaceLoginResources | null = null;
  if (!values.bare && existsSync(DEFAULT_TEMPLATE)) {
    const t0 = performance.now();
    // With --seed, each function's environment starts as soon as it exists: seeding invokes them all.
    resources = await logger.quietly(() => provisionTemplate(stack, { prepareFunctions: values.seed }));
    logger.print(`${p.green("✓")} face-login app provisioned from template.yaml: ${describeTemplate(readTemplate(DEFAULT_TEMPLATE))} ${p.dim(`(${(performance.now() - t0).toFixed(0)} ms)`)}`);
    if (values.seed) {
      const t1 = performance.now();
      const seeded = await logger.quietly(() =>
        seedPersonas(stack, resources!, undefined, (done, total, persona) => logger.progress(`  seeding ${done + 1}/${total}: ${persona.email}…`)),
      );
      logger.progress(null);
      const enrolled = seeded.filter((s) => s.outcome === "enrolled").length;
      const counts = [enrolled ? `${enrolled} enrolled` : "", seeded.length - enrolled ? `${seeded.length - enrolled} already enrolled` : ""].filter(Boolean).join(", ");
      logger.print(`${p.green("✓")} ${seeded.length} fixture personas seeded (${counts}): ${seeded.map((s) => s.persona.email).join(", ")} ${p.dim(`(${((performance.now() - t1) / 1000).toFixed(1)} s)`)}`);
    }
  }
  // Ready, and this state is what POST /_rekognito/reset goes back to.
  await stack.control.markReady();
  // The model is not loaded at rest: it loads at the first real photo (about a second; that photo
  // waits for it), since its nets and WebAssembly heap were ~150 MB of an idle server's memory.
  const engine = (stack.app.components.find((c) => c.name === "rekognition") as RekognitionService).engine;
  const faceHealth = engine.health() as { engines: string[]; realPhotos: string; model: { state: string; reason?: string } };
  const app = resources
    ? [
        `  ${p.bold("face-login app")} (template.yaml):`,
        ...Object.entries(resources).map(([name, value]) => `    ${p.dim(name.padEnd(18))} ${value}`),
        values.seed
          ? `  Try it:   npm run login -- ana.silva@example.com fixtures/faces/personas/ana/selfie-1.jpg`
          : `  Try it:   npm run login -- signup ana.silva@example.com fixtures/faces/personas/ana/document.png`,
        "",
      ]
    : [];
  const ms = (performance.now() - started).toFixed(0);
  const url = (u: string) => p.cyan(p.bold(u));
  const banner = [
    "",
    `  ${p.bold(p.green(`rekognito ${VERSION}`))} ready in ${ms} ms`,
    "",
    `  endpoint   ${url(stack.endpoint)}`,
    ...(resources ? [`  app        ${url(`${stack.endpoint}/`)}  ${p.dim("the face-login web app: open it in a browser")}`] : []),
    `  console    ${url(`${stack.endpoint}/_rekognito/`)}  ${p.dim("mailbox, traces, resources")}`,
    `  health     ${stack.endpoint}/_rekognito/health`,
    `  state      ${dataDir ?? "ephemeral (nothing is kept)"}${snapshot ? ` (started from ${snapshot})` : ""}`,
    ...(clockMode !== "system" ? [`  clock      ${clockMode} (--clock ${clockMode}): POST /_rekognito/clock moves it`] : []),
    ...(storageEndpoint ? [`  storage    S3 and DynamoDB passed through to ${storageEndpoint}`] : []),
    `  faces      ${faceHealth.engines.join(" + ")} (--faces ${faces}); real photos ${faceHealth.realPhotos}${faceHealth.model.reason ? `: ${faceHealth.model.reason}` : faceHealth.model.state === "not-loaded" ? " (the model loads at the first one)" : ""}`,
    `  security   ${
      acceptAnyCredentials
        ? "any credentials accepted, signatures not checked (--accept-any-credentials)"
        : `signatures verified for ${new KnownCredentials(credentials).size} known keys${strictCredentials ? ", other keys refused (--strict-credentials)" : ", other keys accepted"}`
    }; browser origins: loopback${allowOrigins.length ? `, ${allowOrigins.join(", ")}` : ""}`,
    "",
    `  ${p.bold("Point any AWS SDK or the AWS CLI at it:")}`,
    `    export AWS_ENDPOINT_URL=${stack.endpoint}`,
    `    export AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
    "    export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test",
    "",
    ...app,
    p.dim(`  One line per request follows${level === "info" ? " (--verbose for more, --quiet for less)" : ""}. Ctrl-C stops.`),
    "",
  ];
  logger.print(banner.join("\n"));
  // After ready, never before: the web app's build is checked (and made if web/ changed) now,
  // so the first page opens at once.
  const consoleComponent = stack.app.components.find((c) => c.name === "console") as ConsoleComponent | undefined;
  if (resources) void consoleComponent?.webApp.file("index.html");
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal}: closing`);
    await stack.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  // A closed terminal: without this, node ends at once and an ephemeral stack leaves its files.
  // What is written to the terminal from here may fail (EIO): that must not stop the close.
  process.on("SIGHUP", () => {
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
    void shutdown("SIGHUP");
  });
}

/** "a user pool, an app client, 2 buckets, 2 tables, 6 functions..." from template.yaml's resource types. */
function describeTemplate(template: Template): string {
  const names: Record<string, [string, string]> = {
    "AWS::Cognito::UserPool": ["a user pool", "user pools"],
    "AWS::Cognito::UserPoolClient": ["an app client", "app clients"],
    "AWS::S3::Bucket": ["a bucket", "buckets"],
    "AWS::S3::BucketPolicy": ["a bucket policy", "bucket policies"],
    "AWS::DynamoDB::Table": ["a table", "tables"],
    "AWS::Serverless::Function": ["a function", "functions"],
    "AWS::Lambda::Function": ["a function", "functions"],
    "AWS::Lambda::Permission": ["a Lambda permission", "Lambda permissions"],
    "Custom::RekognitionCollection": ["a face collection", "face collections"],
  };
  const counts = new Map<string, [string, string, number]>();
  let other = 0;
  for (const resource of Object.values(template.Resources)) {
    const name = names[resource.Type];
    if (!name) {
      other++;
      continue;
    }
    const seen = counts.get(name[1]);
    counts.set(name[1], [name[0], name[1], (seen?.[2] ?? 0) + 1]);
  }
  // In the order of `names` (the app's pieces first), not the template's.
  const order = Object.values(names).map(([, many]) => many);
  const parts = [...counts.values()].sort((a, b) => order.indexOf(a[1]) - order.indexOf(b[1])).map(([one, many, n]) => (n === 1 ? one : `${n} ${many}`));
  if (other) parts.push(`${other} more`);
  return parts.join(", ");
}

main().catch((error: unknown) => {
  process.stderr.write(`rekognito: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
