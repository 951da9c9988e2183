import { readFileSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { stackClient, type StackTarget } from "../provisioning/client.js";
import { EnrolmentClient } from "./enrolment.js";
import { newestCode, type Answered, type Challenge, type Mail } from "./challenge.js";
import type { FaceLoginResources } from "../provisioning/provision.js";

export const DEFAULT_MANIFEST = resolvePath(dirname(fileURLToPath(import.meta.url)), "../../fixtures/faces/manifest.json");

export interface Persona {
  id: string;
  name: string;
  email: string;
  /** Absolute paths of the persona's images. */
  document: string;
  selfies: string[];
}

interface Manifest {
  personas: { id: string; name: string; email: string }[];
  images: { file: string; persona: string | null; kind: string }[];
}

/** The fixture personas with their document and selfies (fixtures/faces/manifest.json). */
export function readPersonas(manifestPath = DEFAULT_MANIFEST): Persona[] {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  const dir = dirname(manifestPath);
  return manifest.personas.flatMap((persona) => {
    const images = manifest.images.filter((image) => image.persona === persona.id);
    const document = images.find((image) => image.kind === "document");
    if (!document) return [];
    return [
      {
        id: persona.id,
        name: persona.name,
        email: persona.email,
        document: resolvePath(dir, document.file),
        selfies: images.filter((image) => image.kind === "selfie").map((image) => resolvePath(dir, image.file)),
      },
    ];
  });
}

/** The path of a fixture image of a given kind (lookalike, two-faces, no-face, ...). */
export function fixtureOfKind(kind: string, manifestPath = DEFAULT_MANIFEST): string {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  const image = manifest.images.find((i) => i.kind === kind);
  if (!image) throw new Error(`no fixture image of kind ${kind}`);
  return resolvePath(dirname(manifestPath), image.file);
}

export type EnrolOutcome = "enrolled" | "already enrolled";

/** What enrolment asks of a client of the app: FaceLoginClient (the SDK) or EnrolmentClient (seeding's own). */
export interface EnrolmentFlow {
  signUp(email: string): Promise<unknown>;
  start(email: string): Promise<Challenge>;
  upload(challenge: Pick<Challenge, "uploadUrl">, photo: Uint8Array): Promise<void>;
  answer(challenge: Pick<Challenge, "session" | "username">, answer: string): Promise<Answered<unknown>>;
  mails(email: string): Promise<Mail[]>;
}

/**
 * Enrols one person through the real flow: SignUp, InitiateAuth (ENROLL), PUT the document,
 * the mailed code from the local mailbox, RespondToAuthChallenge.
 */
export async function enrol(client: EnrolmentFlow, email: string, document: Uint8Array): Promise<EnrolOutcome> {
  await client.signUp(email);
  const before = (await client.mails(email)).length;
  const challenge = await client.start(email);
  if (challenge.step === "FACE") return "already enrolled";
  await client.upload(challenge, document);
  const code = newestCode(await client.mails(email), before);
  if (!code) throw new Error(`no code was mailed to ${email}`);
  const answered = await client.answer(challenge, code);
  if (!answered.tokens) throw new Error(`enrolment of ${email} refused: ${answered.challenge?.lastError}`);
  return "enrolled";
}

/** The client seeding enrols with: in-process for a stack whose services are here (`stack.app`), else over HTTP to its endpoint. */
export function enrolmentClient(stack: StackTarget | string, resources: Pick<FaceLoginResources, "region" | "userPoolClientId">): EnrolmentClient {
  const target: StackTarget & { app?: { components?: readonly { name: string; drain?: () => Promise<void> }[] } } = typeof stack === "string" ? { endpoint: stack } : stack;
  // Read at each upload: a reset builds the stack's services anew.
  const settled = target.app ? () => target.app?.components?.find((c) => c.name === "lambda")?.drain?.() ?? Promise.resolve() : undefined;
  return new EnrolmentClient(stackClient(target, resources.region), target.endpoint, resources.userPoolClientId, settled);
}

/**
 * `npm start -- --seed`: every fixture persona enrolled, so a demo signs in at once.
 * `onProgress` hears of each persona before it is enrolled (the CLI's progress line).
 */
export async function seedPersonas(
  stack: StackTarget | string,
  resources: FaceLoginResources,
  manifestPath = DEFAULT_MANIFEST,
  onProgress?: (done: number, total: number, persona: Persona) => void,
): Promise<{ persona: Persona; outcome: EnrolOutcome }[]> {
  const client = enrolmentClient(stack, resources);
  const results: { persona: Persona; outcome: EnrolOutcome }[] = [];
  const personas = readPersonas(manifestPath);
  for (const persona of personas) {
    onProgress?.(results.length, personas.length, persona);
    results.push({ persona, outcome: await enrol(client, persona.email, readFileSync(persona.document)) });
  }
  return results;
}
