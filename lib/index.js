// The package's entry for plain Node (no TypeScript loader): rekognito runs from its TypeScript
// sources, so this registers tsx's loader, then re-exports the public API of server/index.ts.
import { register } from "tsx/esm/api";

register();
const api = await import("../server/index.ts");

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
