import { createHash, timingSafeEqual } from "node:crypto";
import { isEmail, maskEmail } from "../attributes.js";
import { deliverCode } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { required } from "../parameters.js";
import type { AuthSession } from "../sessions.js";
import type { PoolRecord, UserMfa, UserRecord } from "../store.js";
import { totpStep } from "../totp.js";
import { laterMetadata, sessionExpiry, triggersOf, type AuthAnswer, type FlowContext } from "./context.js";
import { afterFirstFactor, finishSignIn } from "./signIn.js";

/**
 * Multi-factor authentication after the first factor: TOTP (SOFTWARE_TOKEN_MFA) and email codes
 * (EMAIL_OTP), the choice between them (SELECT_MFA_TYPE), and setting one up when the pool
 * requires MFA of a user who has none (MFA_SETUP). Email codes also serve as a first factor
 * (USER_AUTH with EMAIL_OTP), answered here too.
 */

type MfaFactor = "SOFTWARE_TOKEN_MFA" | "EMAIL_OTP";
type TokenSource = NonNullable<AuthSession["tokenSource"]>;

/** Wrong codes one sign-in session takes; the third ends it. */
const CODE_TRIES = 3;

export function userMfa(user: UserRecord): UserMfa {
  return user.mfa ?? { totp: null, enabled: [], preferred: null };
}

/** The factors the pool's MFA configuration turned on. */
export function poolFactors(pool: PoolRecord): MfaFactor[] {
  const out: MfaFactor[] = [];
  if (pool.mfa?.softwareToken) out.push("SOFTWARE_TOKEN_MFA");
  if (pool.mfa?.email) out.push("EMAIL_OTP");
  return out;
}

/** The factors this user can be asked for now. */
function usableFactors(pool: PoolRecord, user: UserRecord): MfaFactor[] {
  const mfa = userMfa(user);
  return poolFactors(pool).filter((f) =>
    f === "SOFTWARE_TOKEN_MFA" ? mfa.enabled.includes(f) && mfa.totp?.verified === true : mfa.enabled.includes(f) && Boolean(user.attributes.email),
  );
}

const digest = (code: string) => createHash("sha256").update(code).digest("base64");

function session(flow: FlowContext, user: UserRecord, challengeName: string, extra: Partial<AuthSession>): string {
  return flow.services.sessions.start({
    poolId: flow.pool.id,
    clientId: flow.client.id,
    username: user.username,
    userNotFound: false,
    challengeName,
    history: [],
    privateChallengeParameters: {},
    challengeMetadata: undefined,
    expiresAt: sessionExpiry(flow),
    ...extra,
  });
}

/** The MFA challenge the pool and the user call for after the first factor, or null when none. */
export async function mfaStep(flow: FlowContext, user: UserRecord, tokenSource: TokenSource): Promise<AuthAnswer | null> {
  const { pool } = flow;
  const configuration = pool.mfa?.configuration ?? "OFF";
  if (configuration === "OFF") return null;
  let factors = usableFactors(pool, user);
  if (!factors.length) {
    if (configuration === "OPTIONAL") return null;
    // MFA is required: a verified address serves email MFA at once; otherwise the user sets a factor up.
    if (pool.mfa?.email && user.attributes.email && user.attributes.email_verified === "true") factors = ["EMAIL_OTP"];
    else {
      const canSetUp = poolFactors(pool);
      if (!canSetUp.length) throw CognitoErrors.invalidParameter("MFA is required but no MFA method is enabled for the user pool.");
      return {
        ChallengeName: "MFA_SETUP",
        Session: session(flow, user, "MFA_SETUP", { tokenSource }),
        ChallengeParameters: { MFAS_CAN_SETUP: JSON.stringify(canSetUp) },
      };
    }
  }
  const preferred = userMfa(user).preferred as MfaFactor | null;
  const chosen = preferred && factors.includes(preferred) ? preferred : factors.length === 1 ? factors[0]! : null;
  if (!chosen) {
    return {
      ChallengeName: "SELECT_MFA_TYPE",
      Session: session(flow, user, "SELECT_MFA_TYPE", { tokenSource }),
      ChallengeParameters: { MFAS_CAN_CHOOSE: JSON.stringify(factors) },
    };
  }
  return askFactor(flow, user, chosen, tokenSource);
}

async function askFactor(flow: FlowContext, user: UserRecord, factor: MfaFactor, tokenSource: TokenSource): Promise<AuthAnswer> {
  if (factor === "SOFTWARE_TOKEN_MFA") {
    return {
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      Session: session(flow, user, "SOFTWARE_TOKEN_MFA", { tokenSource }),
      ChallengeParameters: { USER_ID_FOR_SRP: user.username },
    };
  }
  return mailSignInCode(flow, user, user.attributes.email!, "mfa", tokenSource);
}

/** Mails a sign-in code and answers the EMAIL_OTP challenge that waits for it. */
export async function mailSignInCode(
  flow: FlowContext,
  user: UserRecord,
  to: string,
  purpose: NonNullable<AuthSession["code"]>["purpose"],
  tokenSource: TokenSource,
): Promise<AuthAnswer> {
  // Sign-in codes: 8 digits as a first factor (passwordless), 6 as a second.
  const code = flow.services.store.newCode(purpose === "first-factor" ? 8 : 6);
  await deliverCode(flow.services, triggersOf(flow), { purpose: "Authentication", user, to, code, clientMetadata: laterMetadata(flow) });
  return {
    ChallengeName: "EMAIL_OTP",
    Session: session(flow, user, "EMAIL_OTP", { tokenSource, code: { digest: digest(code), purpose } }),
    ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: "EMAIL", CODE_DELIVERY_DESTINATION: maskEmail(to) },
  };
}

/** Takes the session of a challenge and the user it is for, with AWS's errors. */
function resume(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>, challengeName: string) {
  const { services: svc, pool, client } = flow;
  if (!sessionId) throw CognitoErrors.invalidParameter("Missing required parameter Session");
  const username = required(responses, "USERNAME");
  const taken = svc.sessions.take(sessionId, pool.id, client.id);
  if (taken.challengeName !== challengeName) throw CognitoErrors.invalidSession();
  // A passwordless sign-in of an unknown user (PreventUserExistenceErrors) got a challenge no code answers.
  if (taken.userNotFound) throw CognitoErrors.authCodeMismatch();
  const user = svc.store.findUser(pool, username);
  if (!user || user.username !== taken.username) throw CognitoErrors.invalidSession();
  if (!user.enabled) throw CognitoErrors.userDisabled();
  return { session: taken, user };
}

/** A wrong code: the same session may try again, until its third wrong code. */
function wrongCode(flow: FlowContext, sessionId: string, taken: AuthSession): never {
  const failures = (taken.failures ?? 0) + 1;
  if (failures < CODE_TRIES) flow.services.sessions.reopen(sessionId, { ...taken, failures });
  throw CognitoErrors.authCodeMismatch();
}

/** SOFTWARE_TOKEN_MFA: the authenticator app's code of the moment (the stack's clock); each code works once. */
export async function answerSoftwareTokenMfa(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>): Promise<AuthAnswer> {
  const { session: taken, user } = resume(flow, sessionId, responses, "SOFTWARE_TOKEN_MFA");
  const code = required(responses, "SOFTWARE_TOKEN_MFA_CODE");
  const mfa = userMfa(user);
  if (!mfa.totp?.verified) throw CognitoErrors.softwareTokenNotFound();
  const step = totpStep(mfa.totp.secret, code, flow.services.clock.now());
  if (step === null || (mfa.lastTotpStep !== undefined && step <= mfa.lastTotpStep)) wrongCode(flow, sessionId!, taken);
  const updated: UserRecord = { ...user, mfa: { ...mfa, lastTotpStep: step } };
  flow.services.store.putUser(updated);
  return finishSignIn(flow, updated, taken.tokenSource ?? "TokenGeneration_Authentication");
}

/** EMAIL_OTP: the code mailed for this sign-in, as a first factor, as MFA, or proving an address set up for MFA. */
export async function answerEmailOtp(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>): Promise<AuthAnswer> {
  const { session: taken, user } = resume(flow, sessionId, responses, "EMAIL_OTP");
  // Amplify answers EMAIL_OTP_CODE; AWS's reference names EMAIL_MFA_CODE for email MFA.
  const code = responses.EMAIL_OTP_CODE ?? responses.EMAIL_MFA_CODE;
  if (!code) throw CognitoErrors.invalidParameter("Missing required parameter EMAIL_OTP_CODE");
  const want = Buffer.from(taken.code?.digest ?? "", "base64");
  const given = createHash("sha256").update(code).digest();
  if (!taken.code || want.length !== given.length || !timingSafeEqual(want, given)) wrongCode(flow, sessionId!, taken);
  const source = taken.tokenSource ?? "TokenGeneration_Authentication";
  if (taken.code!.purpose === "first-factor") {
    // Proving the address by a mailed code verifies it.
    const verified = user.attributes.email_verified === "true" ? user : { ...user, attributes: { ...user.attributes, email_verified: "true" } };
    if (verified !== user) flow.services.store.putUser(verified);
    return afterFirstFactor(flow, verified, "EMAIL_OTP");
  }
  if (taken.code!.purpose === "mfa-setup") {
    const mfa = userMfa(user);
    const updated: UserRecord = {
      ...user,
      attributes: { ...user.attributes, email_verified: "true" },
      mfa: { ...mfa, enabled: [...new Set([...mfa.enabled, "EMAIL_OTP"])], preferred: mfa.preferred ?? "EMAIL_OTP" },
      updatedAt: flow.services.clock.now(),
    };
    flow.services.store.putUser(updated);
    return finishSignIn(flow, updated, source);
  }
  return finishSignIn(flow, user, source);
}

/** SELECT_MFA_TYPE: the user picks one of the factors offered in MFAS_CAN_CHOOSE. */
export async function answerSelectMfaType(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>): Promise<AuthAnswer> {
  const { session: taken, user } = resume(flow, sessionId, responses, "SELECT_MFA_TYPE");
  const answer = required(responses, "ANSWER");
  const factor: MfaFactor | null = answer === "SOFTWARE_TOKEN_MFA" ? answer : answer === "EMAIL_OTP" || answer === "EMAIL_MFA" ? "EMAIL_OTP" : null;
  if (!factor || !usableFactors(flow.pool, user).includes(factor)) throw CognitoErrors.invalidParameter(`Invalid MFA type: ${answer}`);
  return askFactor(flow, user, factor, taken.tokenSource ?? "TokenGeneration_Authentication");
}

/**
 * MFA_SETUP: after AssociateSoftwareToken and VerifySoftwareToken on this session, the TOTP
 * factor is the user's (enabled, preferred) and the sign-in ends; or, with EMAIL, the address is
 * set and a code mailed to it (EMAIL_OTP) proves it.
 */
export async function answerMfaSetup(flow: FlowContext, sessionId: string | undefined, responses: Record<string, string>): Promise<AuthAnswer> {
  const { session: taken, user } = resume(flow, sessionId, responses, "MFA_SETUP");
  const source = taken.tokenSource ?? "TokenGeneration_Authentication";
  if (responses.EMAIL !== undefined) {
    if (!flow.pool.mfa?.email) throw CognitoErrors.invalidParameter("Email MFA is not enabled for the user pool.");
    if (!isEmail(responses.EMAIL)) throw CognitoErrors.invalidParameter("Invalid email address format.");
    const updated: UserRecord =
      user.attributes.email === responses.EMAIL
        ? user
        : { ...user, attributes: { ...user.attributes, email: responses.EMAIL, email_verified: "false" }, updatedAt: flow.services.clock.now() };
    if (updated !== user) flow.services.store.putUser(updated);
    return mailSignInCode(flow, updated, responses.EMAIL, "mfa-setup", source);
  }
  if (!taken.totpSetup?.verified) throw CognitoErrors.invalidParameter("Software token MFA has not been set up: call AssociateSoftwareToken and VerifySoftwareToken with this session first.");
  const mfa = userMfa(user);
  const updated: UserRecord = {
    ...user,
    mfa: { ...mfa, totp: { secret: taken.totpSetup.secret, verified: true }, enabled: [...new Set([...mfa.enabled, "SOFTWARE_TOKEN_MFA"])], preferred: "SOFTWARE_TOKEN_MFA" },
    updatedAt: flow.services.clock.now(),
  };
  flow.services.store.putUser(updated);
  return finishSignIn(flow, updated, source);
}
