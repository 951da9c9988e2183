// The package's entry for plain Node: the compiled server (lib/build.js), built first when a
// source changed since, or the TypeScript sources through tsx when it cannot be built; it
// re-exports the public API of server/index.ts.
import { compiledEntry } from "./build.js";

const entry = await compiledEntry("index");
const api = entry ? await import(entry) : await fromSources();

async function fromSources() {
  const { register } = await import("tsx/esm/api");
  register();
  return import("../server/index.ts");
}

export const {
  startStack,
  listenStack,
  buildApp,
  ManualClock,
  OffsetClock,
  systemClock,
  RekognitoControl,
  RekognitoControlError,
  seededIds,
  cryptoIds,
  cryptoKeys,
  MemoryLogger,
  silentLogger,
  consoleLogger,
  provisionTemplate,
  fixtureImages,
  fixtureImage,
  fixturePersonas,
  readFixture,
} = api;
