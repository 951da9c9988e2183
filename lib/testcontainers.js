// rekognito/testcontainers for plain Node: registers tsx's loader, then re-exports the module.
import { register } from "tsx/esm/api";

register();
const api = await import("../testcontainers/index.ts");

export const { dockerAvailability, clientsFor, connectRekognito, startRekognitoContainer, startRekognitoCompose, RekognitoControl, RekognitoControlError } = api;
