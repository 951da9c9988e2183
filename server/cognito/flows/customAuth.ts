import { checkSecretHash } from "../appClients.js";
import { CognitoErrors } from "../errors.js";
import { required } from "../parameters.js";
import type { AuthSession } from "../sessions.js";
import type { UserRecord } from "../store.js";
import { recordRound } from "../tracing.js";
import { createAuthChallenge } from "../triggers/createAuthChallenge.js";
import { defineAuthChallenge } from "../triggers/defineAuthChallenge.js";
import { triggerAttributes, type ChallengeSessionEntry, type CustomChallengeResult, type StringMap } from "../triggers/events.js";
import { verifyAuthChallengeResponse } from "../triggers/verifyAuthChallengeResponse.js";
import { sessionExpiry, triggersOf, type AuthAnswer, type FlowContext } from "./context.js";
import { beforeFirstFactor, finishSignIn } from "./signIn.js";
import { passwordVerifierChallenge } from "./srp.js";
import { unknownUserName } from "./unknownUser.js";

/** Where a custom sign-in stands between Define rounds. */
interface CustomAuthState {
  user: UserRecord | null;
  /** The user name in events and ChallengeParameters.USERNAME. */
  userName: string;
  history: ChallengeSessionEntry[];
  /** What the triggers get: InitiateAuth's ClientMetadata does not reach them on AWS; RespondToAuthChallenge's does. */
  clientMetadata: StringMap | undefined;
  /** The sign-in's trace in the console (server/core/traces.ts). */
  trace: string | undefined;
  /** CUSTOM_AUTH with SRP_A (Amplify's CUSTOM_WITH_SRP): the client's SRP_A, for when Define asks for PASSWORD_VERIFIER. */
  srpA?: string;
}

const eventAttributes = (user: UserRecord | null): StringMap => (user ? triggerAttributes(user) : {});

/** InitiateAuth / AdminInitiateAuth with CUSTOM_AUTH: Define with an empty session, then Create. */
export async function startCustomAuth(flow: FlowContext, params: Record<string, string>): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  if (!svc.triggers.has(pool, "DefineAuthChallenge")) {
    throw CognitoErrors.invalidParameter("Custom auth lambda trigger is not configured for the user pool.");
  }
  const username = required(params, "USERNAME");
  const user = svc.store.findUser(pool, username) ?? null;
  checkSecretHash(client, params.SECRET_HASH, [username, user?.username]);
  if (!user && client.preventUserExistenceErrors !== "ENABLED") throw CognitoErrors.userNotFound();
  if (user) {
    if (!user.enabled) throw CognitoErrors.userDisabled();
    if (user.status === "UNCONFIRMED") throw CognitoErrors.userNotConfirmed();
  }
  const userName = user ? user.username : unknownUserName(pool, username);
  // Define runs now, Create right after it and Verify at the answer: their inits overlap Define's.
  svc.triggers.prepare(pool, ["CreateAuthChallenge", "VerifyAuthChallengeResponse"]);
  const trace = svc.traces?.signIn({ poolId: pool.id, clientId: client.id, username });
  if (user) await beforeFirstFactor(flow, user, trace);
  // With SRP_A the password comes first: Define sees it as an SRP_A entry already passed.
  const srpA = params.SRP_A || undefined;
  const history: ChallengeSessionEntry[] = srpA ? [srpEntry("SRP_A", true)] : [];
  return recordRound(svc.traces, trace, defineNext(flow, { user, userName, history, clientMetadata: undefined, trace, srpA }));
}

/** A session entry of the SRP part of a custom flow, as AWS's Define trigger sees it. */
function srpEntry(challengeName: "SRP_A" | "PASSWORD_VERIFIER", challengeResult: boolean): ChallengeSessionEntry {
  // AWS sends null metadata for the entries it made itself.
  return { challengeName, challengeResult, challengeMetadata: null as unknown as undefined };
}

/** PASSWORD_VERIFIER answered in a custom flow: Define decides what the password's result means. */
export async function continueCustomAfterPassword(flow: FlowContext, session: AuthSession, user: UserRecord | null, proven: boolean): Promise<AuthAnswer> {
  const svc = flow.services;
  return recordRound(
    svc.traces,
    session.traceId,
    defineNext(flow, {
      user,
      userName: session.username,
      history: [...session.history, srpEntry("PASSWORD_VERIFIER", proven && user !== null)],
      clientMetadata: flow.clientMetadata,
      trace: session.traceId,
    }),
  );
}

/** RespondToAuthChallenge / AdminRespondToAuthChallenge for CUSTOM_CHALLENGE: Verify, then Define again. */
export async function answerCustomChallenge(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  if (!sessionId) throw CognitoErrors.invalidParameter("Missing required parameter Session");
  const username = required(responses, "USERNAME");
  const answer = required(responses, "ANSWER", { emptyAllowed: true });
  const session = svc.sessions.take(sessionId, pool.id, client.id);
  if (session.challengeName !== "CUSTOM_CHALLENGE") throw CognitoErrors.invalidSession();
  let user: UserRecord | null = null;
  if (session.userNotFound) {
    // The client may echo ChallengeParameters.USERNAME or repeat the name it typed.
    const same = username.toLowerCase() === session.username.toLowerCase() || unknownUserName(pool, username) === session.username;
    if (!same) throw CognitoErrors.invalidSession();
  } else {
    user = svc.store.findUser(pool, username) ?? null;
    if (!user || user.username !== session.username) throw CognitoErrors.invalidSession();
    if (!user.enabled) throw CognitoErrors.userDisabled();
  }
  checkSecretHash(client, responses.SECRET_HASH, [username, user?.username]);
  svc.traces?.answered(session.traceId, { answer, clientMetadata: flow.clientMetadata });
  return recordRound(svc.traces, session.traceId, verifyThenDefine(flow, session, user, answer));
}

/** Verify Auth Challenge Response on the answer, then Define Auth Challenge with the result added to the session. */
async function verifyThenDefine(flow: FlowContext, session: AuthSession, user: UserRecord | null, answer: string): Promise<AuthAnswer> {
  const answerCorrect = await verifyAuthChallengeResponse(triggersOf(flow, session.traceId), {
    userName: session.username,
    userAttributes: eventAttributes(user),
    privateChallengeParameters: session.privateChallengeParameters,
    challengeAnswer: answer,
    clientMetadata: flow.clientMetadata,
    userNotFound: session.userNotFound,
  });
  const result: CustomChallengeResult = {
    challengeName: "CUSTOM_CHALLENGE",
    challengeResult: answerCorrect,
    // AWS sends null when Create set no metadata.
    challengeMetadata: (session.challengeMetadata ?? null) as string | undefined,
  };
  return defineNext(flow, {
    user,
    userName: session.username,
    history: [...session.history, result],
    clientMetadata: flow.clientMetadata,
    trace: session.traceId,
  });
}

/** Define decides: tokens, failure, or the next challenge, which Create makes. */
async function defineNext(flow: FlowContext, state: CustomAuthState): Promise<AuthAnswer> {
  const { pool, client, services: svc } = flow;
  const { user } = state;
  const triggers = triggersOf(flow, state.trace);
  const decided = await defineAuthChallenge(triggers, {
    userName: state.userName,
    userAttributes: eventAttributes(user),
    session: state.history,
    clientMetadata: state.clientMetadata,
    userNotFound: user === null,
  });
  if (decided.failAuthentication) throw CognitoErrors.incorrectCredentials();
  if (decided.issueTokens) {
    if (!user) throw CognitoErrors.incorrectCredentials();
    // The triggers may have changed the user during the flow (Verify marking the email
    // verified, say): the tokens carry the user as it is now.
    const current = svc.store.userByUsername(pool, user.username);
    if (!current) throw CognitoErrors.incorrectCredentials();
    if (current.status === "UNCONFIRMED") throw CognitoErrors.userNotConfirmed();
    return finishSignIn(flow, current, "TokenGeneration_Authentication", state.trace);
  }
  const challengeName = decided.challengeName;
  if (!challengeName) throw CognitoErrors.invalidLambdaResponse();
  if (challengeName === "PASSWORD_VERIFIER" && state.srpA) {
    return passwordVerifierChallenge(flow, user, state.userName, state.srpA, { history: state.history, traceId: state.trace, srp: { custom: true } as AuthSession["srp"] });
  }
  if (challengeName !== "CUSTOM_CHALLENGE") throw CognitoErrors.notImplemented(`The ${challengeName} challenge in a custom auth flow`);

  const created = await createAuthChallenge(triggers, {
    userName: state.userName,
    userAttributes: eventAttributes(user),
    challengeName,
    session: state.history,
    clientMetadata: state.clientMetadata,
    userNotFound: user === null,
  });
  svc.traces?.challenge(state.trace, { publicParameters: created.publicChallengeParameters, privateParameters: created.privateChallengeParameters, metadata: created.challengeMetadata });

  const Session = svc.sessions.start({
    poolId: pool.id,
    clientId: client.id,
    username: state.userName,
    userNotFound: user === null,
    challengeName,
    history: state.history,
    privateChallengeParameters: created.privateChallengeParameters,
    challengeMetadata: created.challengeMetadata,
    expiresAt: sessionExpiry(flow),
    traceId: state.trace,
  });
  return { ChallengeName: "CUSTOM_CHALLENGE", Session, ChallengeParameters: { ...created.publicChallengeParameters, USERNAME: state.userName } };
}
