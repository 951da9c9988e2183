// rekognito/testcontainers for plain Node: the compiled module (lib/build.js), or its TypeScript
// source through tsx when it cannot be built.
import { compiledEntry } from "./build.js";

const entry = await compiledEntry("testcontainers");
const api = entry ? await import(entry) : await fromSources();

async function fromSources() {
  const { register } = await import("tsx/esm/api");
  register();
  return import("../testcontainers/index.ts");
}

export const { dockerAvailability, clientsFor, connectRekognito, startRekognitoContainer, startRekognitoCompose, RekognitoControl, RekognitoControlError } = api;
