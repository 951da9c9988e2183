import { createHash } from "node:crypto";
import type { CoreServices } from "../core/services.js";
import { CognitoErrors } from "./errors.js";
import type { ChallengeSessionEntry, StringMap } from "./triggers/events.js";

/** The state of one sign-in between two requests. */
export interface AuthSession {
  poolId: string;
  clientId: string;
  /** The user name Cognito resolved (or, for an unknown user, the name given). */
  username: string;
  userNotFound: boolean;
  challengeName: string;
  history: ChallengeSessionEntry[];
  privateChallengeParameters: StringMap;
  challengeMetadata: string | undefined;
  expiresAt: number;
  /** The sign-in's trace in the console, carried from round to round. */
  traceId?: string;
  /** PASSWORD_VERIFIER: the SRP exchange so far; `custom` when a custom flow asked for it (CUSTOM_WITH_SRP). */
  srp?: { A: string; b: string; B: string; secretBlock: string; custom: boolean };
  /** EMAIL_OTP: the SHA-256 of the code mailed for this sign-in, and what it proves. */
  code?: { digest: string; purpose: "first-factor" | "mfa" | "mfa-setup" };
  /** Wrong codes so far on this session (three end it). */
  failures?: number;
  /** Where the tokens of this sign-in will come from, once its challenges are passed. */
  tokenSource?: "TokenGeneration_Authentication" | "TokenGeneration_NewPasswordChallenge";
  /** MFA_SETUP: the secret AssociateSoftwareToken handed out, and whether VerifySoftwareToken accepted a code of it. */
  totpSetup?: { secret: string; verified: boolean };
}

/**
 * Sign-in sessions: opaque random strings, single-use, bound to their pool, client and user, and
 * expiring after the app client's AuthSessionValidity by the stack's clock. In memory only: a
 * restart ends sign-ins in progress, as a deploy does on AWS.
 */
export class AuthSessions {
  private readonly open = new Map<string, AuthSession>();
  /**
   * Digests of sessions already answered, kept until the session would have expired, so that
   * reuse is told apart from garbage without keeping the (large) strings themselves.
   */
  private readonly used = new Map<string, number>();
  private lastSweep = 0;

  constructor(private readonly core: CoreServices) {}

  start(session: AuthSession): string {
    this.sweep();
    const id = this.core.ids.bytes(384).toString("base64");
    this.open.set(id, session);
    return id;
  }

  /** Consumes a session; the same string never works twice. */
  take(id: string, poolId: string, clientId: string): AuthSession {
    const now = this.core.clock.now();
    const session = this.open.get(id);
    if (!session) {
      if (this.used.has(digest(id))) throw CognitoErrors.sessionReused();
      throw CognitoErrors.invalidSession();
    }
    this.open.delete(id);
    this.used.set(digest(id), session.expiresAt);
    if (session.poolId !== poolId || session.clientId !== clientId) throw CognitoErrors.invalidSession();
    if (session.expiresAt <= now) throw CognitoErrors.sessionExpired();
    return session;
  }

  /**
   * Consumes a session named without its app client: AssociateSoftwareToken and
   * VerifySoftwareToken carry only the Session of an MFA_SETUP challenge.
   */
  takeUnbound(id: string): AuthSession {
    const session = this.open.get(id);
    if (!session) return this.take(id, "", "");
    return this.take(id, session.poolId, session.clientId);
  }

  /**
   * Opens a session again under the string it had, after a wrong code: the user may try again
   * (AWS lets a sign-in retry a mistyped MFA code), until `failures` says the session is spent.
   */
  reopen(id: string, session: AuthSession): void {
    this.used.delete(digest(id));
    this.open.set(id, session);
  }

  size(): number {
    return this.open.size;
  }

  /** At most every 10 seconds: drops tombstones of expired sessions and long-abandoned sign-ins. */
  private sweep(): void {
    const now = this.core.clock.now();
    if (Math.abs(now - this.lastSweep) < 10_000) return;
    this.lastSweep = now;
    // An abandoned session stays an hour past its expiry so that its error says "expired".
    const horizon = now - 60 * 60 * 1000;
    for (const [id, s] of this.open) if (s.expiresAt < horizon) this.open.delete(id);
    for (const [key, expiresAt] of this.used) if (expiresAt < now) this.used.delete(key);
  }
}

function digest(id: string): string {
  return createHash("sha256").update(id).digest("base64").slice(0, 22);
}
