export { startStack, listenStack, type Stack, type StackOptions } from "./stack.js";
export { buildApp, type App, type AppOptions } from "./app.js";
export { ManualClock, systemClock, type Clock } from "./core/clock.js";
export { seededIds, cryptoIds, type IdGenerator } from "./core/ids.js";
export { cryptoKeys, type KeyGenerator } from "./core/keys.js";
export { MemoryLogger, silentLogger, consoleLogger, type Logger } from "./core/logger.js";
export { provisionTemplate, type FaceLoginResources } from "./stack/provision.js";
export { fixtureImages, fixtureImage, fixturePersonas, readFixture, type FixtureImage, type FixturePersona } from "./faces/fixtures.js";
