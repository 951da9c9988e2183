/**
 * Start rekognito in Docker from a test, with testcontainers 11 (12 does not run on Node 20):
 * alone (`startRekognitoContainer`) or beside LocalStack with the repository's
 * docker-compose.yml (`startRekognitoCompose`). Both hand back the endpoint, the provisioned
 * face-login resources and SDK clients configured for it.
 *
 *   const rk = await startRekognitoContainer({ clock: "manual" });
 *   await rk.clients.rekognition.send(new ListCollectionsCommand({}));
 *   await rk.reset();                 // back to the just-started stack (per test file, say)
 *   await rk.advanceClock(5 * 60_000); // sessions and presigned URLs expire
 *   await rk.snapshot("enrolled");     // ... and rk.restore("enrolled") later
 *   await rk.stop();
 *
 * Without a Docker engine, `dockerAvailability()` says why in milliseconds, so suites can skip.
 */
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { DockerComposeEnvironment, GenericContainer, Wait, getContainerRuntimeClient } from "testcontainers";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { RekognitionClient } from "@aws-sdk/client-rekognition";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { FaceLoginResources } from "../server/provisioning/provision.js";
import { RekognitoControl } from "../server/control/client.js";
import type { ClockState, ResetResult, RestoreResult, SeedResult, SnapshotMeta } from "../server/control/index.js";

export type { FaceLoginResources, ClockState, ResetResult, RestoreResult, SeedResult, SnapshotMeta };
export { RekognitoControl, RekognitoControlError } from "../server/control/client.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export type Availability = { available: true } | { available: false; reason: string };

/** Whether a Docker engine answers; when not, the reason testcontainers gives. */
export async function dockerAvailability(): Promise<Availability> {
  try {
    await getContainerRuntimeClient();
    return { available: true };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export interface RekognitoClients {
  cognito: CognitoIdentityProviderClient;
  rekognition: RekognitionClient;
  s3: S3Client;
  dynamodb: DynamoDBDocumentClient;
  lambda: LambdaClient;
}

export interface RunningRekognito {
  /** rekognito's endpoint (Cognito, Rekognition, Lambda; S3 and DynamoDB too). */
  endpoint: string;
  /** LocalStack's endpoint, when started with Compose. */
  localstackEndpoint?: string;
  resources: FaceLoginResources;
  clients: RekognitoClients;
  /** The control API (POST /_rekognito/reset, /snapshots, /clock, /seed) of this rekognito. */
  control: RekognitoControl;
  /** Everything back to the just-started stack, or one service (`cognito`, `mailbox`, `rekognition`, `s3`, `dynamodb`, `lambda`). */
  reset(service?: string): Promise<ResetResult>;
  /** Saves the whole state under `name`. */
  snapshot(name: string): Promise<SnapshotMeta>;
  /** Puts snapshot `name`'s state in place (and `resources` follows it). */
  restore(name: string): Promise<RestoreResult>;
  /** The snapshot as one JSON file, for `startRekognitoContainer({ snapshot })` or `--snapshot`. */
  exportSnapshot(name: string): Promise<Buffer>;
  importSnapshot(name: string, bundle: Uint8Array): Promise<SnapshotMeta>;
  /** Moves the stack's time forward (ms, or "PT5M"): needs `clock: "manual"` or `"offset"`. */
  advanceClock(by: number | string): Promise<ClockState>;
  setClock(time: Date | number | string): Promise<ClockState>;
  clock(): Promise<ClockState>;
  /** Enrols fixture personas (all, or those named: ["ana", "mei"]). */
  seed(personas?: string[]): Promise<SeedResult>;
  stop(): Promise<void>;
}

export function clientsFor(endpoint: string, region = "us-east-1"): RekognitoClients {
  const config = { endpoint, region, credentials: CREDENTIALS };
  return {
    cognito: new CognitoIdentityProviderClient(config),
    rekognition: new RekognitionClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
    lambda: new LambdaClient(config),
  };
}

async function resourcesOf(endpoint: string): Promise<FaceLoginResources> {
  const response = await fetch(`${endpoint}/_rekognito/health`);
  const health = (await response.json()) as { resources?: FaceLoginResources };
  if (!health.resources) throw new Error(`${endpoint} reports no provisioned resources`);
  return health.resources;
}

async function running(endpoint: string, stop: () => Promise<void>, localstackEndpoint?: string): Promise<RunningRekognito> {
  const resources = await resourcesOf(endpoint);
  const control = new RekognitoControl(endpoint);
  const rk: RunningRekognito = {
    endpoint,
    localstackEndpoint,
    resources,
    clients: clientsFor(endpoint, resources.region),
    control,
    reset: (service) => control.reset(service),
    snapshot: (name) => control.snapshot(name),
    restore: async (name) => {
      const restored = await control.restore(name);
      if (restored.resources.userPoolId) rk.resources = restored.resources as unknown as FaceLoginResources;
      return restored;
    },
    exportSnapshot: (name) => control.exportSnapshot(name),
    importSnapshot: (name, bundle) => control.importSnapshot(name, bundle),
    advanceClock: (by) => control.advanceClock(by),
    setClock: (time) => control.setClock(time),
    clock: () => control.clock(),
    seed: (personas) => control.seed(personas),
    stop,
  };
  return rk;
}

/**
 * A rekognito that is already running (`docker compose up`, `npm start`, a CI service
 * container), with the same clients and control functions; stop() leaves it running.
 */
export function connectRekognito(endpoint: string): Promise<RunningRekognito> {
  return running(endpoint.replace(/\/+$/, ""), async () => {});
}

export interface ContainerOptions {
  /** An image to run; by default the repository's Dockerfile is built. */
  image?: string;
  /** Extra environment for the container (e.g. REKOGNITO_EPHEMERAL=1). */
  environment?: Record<string, string>;
  /** A clock the tests can move (advanceClock): `manual` stands still unless moved, `offset` flows. Default: the system's. */
  clock?: "manual" | "offset" | "system";
  /** An exported snapshot (a file on this machine) to start from: `--snapshot`. */
  snapshot?: string;
}

/** rekognito alone, embedded storage, on a random host port. */
export async function startRekognitoContainer(options: ContainerOptions = {}): Promise<RunningRekognito> {
  const port = 4566;
  const base = options.image
    ? new GenericContainer(options.image)
    : await GenericContainer.fromDockerfile(REPO_ROOT).build("rekognito:test", { deleteOnExit: false });
  // The name tests reach the container by (localhost, or a remote engine's host such as "docker")
  // is a Host rekognito must answer: it refuses other names (DNS rebinding).
  const runtimeHost = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const started = base
    .withEnvironment({
      HOST: "0.0.0.0",
      PORT: String(port),
      REKOGNITO_EPHEMERAL: "1",
      REKOGNITO_ALLOW_HOSTS: runtimeHost,
      ...(options.clock ? { REKOGNITO_CLOCK: options.clock } : {}),
      ...(options.snapshot ? { REKOGNITO_SNAPSHOT: "/tmp/rekognito-snapshot.json" } : {}),
      ...options.environment,
    })
    .withExposedPorts(port);
  if (options.snapshot) started.withCopyFilesToContainer([{ source: resolve(options.snapshot), target: "/tmp/rekognito-snapshot.json" }]);
  const container = await started
    .withWaitStrategy(Wait.forHttp("/_rekognito/health", port).forStatusCode(200))
    .start();
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(port)}`;
  return running(endpoint, async () => {
    await container.stop();
  });
}

/** LocalStack and rekognito from the repository's docker-compose.yml (`docker compose up --wait`). */
export async function startRekognitoCompose(): Promise<RunningRekognito> {
  const environment = await new DockerComposeEnvironment(REPO_ROOT, "docker-compose.yml")
    .withBuild()
    .withWaitStrategy("rekognito-1", Wait.forHealthCheck())
    .withWaitStrategy("localstack-1", Wait.forHealthCheck())
    .up();
  const rekognito = environment.getContainer("rekognito-1");
  const localstack = environment.getContainer("localstack-1");
  return running(
    `http://${rekognito.getHost()}:${rekognito.getMappedPort(4567)}`,
    async () => {
      await environment.down();
    },
    `http://${localstack.getHost()}:${localstack.getMappedPort(4566)}`,
  );
}
