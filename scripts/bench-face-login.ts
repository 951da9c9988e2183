/**
 * The face-login app's figures for npm run bench, through its real Lambdas in the runner:
 *
 *   full stack boot-to-ready   `npm start -- --ephemeral` until health lists the provisioned app
 *   enrolment                  SignUp, InitiateAuth (ENROLL), PUT the document, the mailed code,
 *                              RespondToAuthChallenge, tokens: p50/p99 one at a time
 *   sign-in                    InitiateAuth (FACE), PUT the selfie, RespondToAuthChallenge,
 *                              tokens: p50/p99 one at a time, sign-ins per second at 16 concurrent
 */
import { readFileSync } from "node:fs";
import { startStack } from "../server/stack.js";
import { provisionTemplate } from "../server/provisioning/provision.js";
import { enrol, readPersonas } from "../server/face-login/seed.js";
import { FaceLoginClient } from "../server/face-login/face-login-client.js";
import { bootToReady, line, ms, percentile } from "./bench-tools.js";

export async function benchFaceLogin(quick: boolean): Promise<void> {
  const boots: number[] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) boots.push(await bootToReady([], (health) => health.resources !== undefined));
  line("full stack boot-to-ready (app provisioned)", `${ms(percentile(boots, 50))} p50 of ${boots.length}`);

  const personas = readPersonas();
  const documents = personas.map((p) => readFileSync(p.document));

  // Enrolment: distinct users, documents taken in turn (a separate stack: their faces repeat).
  {
    const stack = await startStack();
    try {
      const resources = await provisionTemplate(stack);
      const client = new FaceLoginClient({ endpoint: stack.endpoint, region: resources.region, userPoolClientId: resources.userPoolClientId });
      const n = quick ? 14 : 70;
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        await enrol(client, `bench-${i}@example.com`, documents[i % documents.length]!);
        times.push(performance.now() - started);
      }
      // The first enrolment starts each function's worker; report it apart.
      line("face login enrolment, first (cold workers)", ms(times[0]!));
      const warm = times.slice(1);
      line("face login enrolment p50 / p99", `${ms(percentile(warm, 50))} / ${ms(percentile(warm, 99))}  (${warm.length} users)`);
    } finally {
      await stack.close();
    }
  }

  // Sign-in: the fixture personas enrolled once, then every selfie in turn.
  const stack = await startStack();
  try {
    const resources = await provisionTemplate(stack);
    const client = new FaceLoginClient({ endpoint: stack.endpoint, region: resources.region, userPoolClientId: resources.userPoolClientId });
    for (const [i, persona] of personas.entries()) await enrol(client, persona.email, documents[i]!);
    const attempts = personas.flatMap((p) => p.selfies.map((s) => ({ email: p.email, selfie: readFileSync(s) })));
    const signIn = async (a: (typeof attempts)[0]) => {
      const challenge = await client.start(a.email);
      await client.upload(challenge, a.selfie);
      const answered = await client.answer(challenge, challenge.uploadKey);
      if (!answered.tokens) throw new Error(`sign-in of ${a.email} refused: ${answered.challenge?.lastError}`);
    };
    const n = quick ? 42 : 210;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      await signIn(attempts[i % attempts.length]!);
      times.push(performance.now() - started);
    }
    line("face login sign-in p50 / p99", `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))}  (${n} sign-ins)`);

    const total = quick ? 64 : 320;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) await signIn(attempts[next++ % attempts.length]!);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    line("face login sign-ins/s at 16 concurrent", `${(total / seconds).toFixed(0)} /s  (${total} sign-ins in ${seconds.toFixed(2)} s)`);
  } finally {
    await stack.close();
  }
}
