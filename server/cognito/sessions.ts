import type { CoreServices } from "../core/services.js";
import { CognitoErrors } from "./errors.js";
import type { ChallengeSessionEntry, StringMap } from "./types.js";

/** The state of one custom-auth sign-in between two requests. */
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
}

/**
 * Sign-in sessions: opaque random strings, single-use, bound to their pool, client and user, and
 * expiring after the app client's AuthSessionValidity by the stack's clock. In memory only: a
 * restart ends sign-ins in progress, as a deploy does on AWS.
 */
export class AuthSessions {
  private readonly open = new Map<string, AuthSession>();
  /** Sessions already answered, kept until they would have expired, to tell reuse from garbage. */
  private readonly used = new Map<string, number>();

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
      if (this.used.has(id)) throw CognitoErrors.sessionReused();
      throw CognitoErrors.invalidSession();
    }
    this.open.delete(id);
    this.used.set(id, session.expiresAt);
    if (session.poolId !== poolId || session.clientId !== clientId) throw CognitoErrors.invalidSession();
    if (session.expiresAt <= now) throw CognitoErrors.sessionExpired();
    return session;
  }

  size(): number {
    return this.open.size;
  }

  private sweep(): void {
    const now = this.core.clock.now();
    // Expired sessions stay a while so that their error says "expired" rather than "invalid".
    const horizon = now - 60 * 60 * 1000;
    for (const [id, s] of this.open) if (s.expiresAt < horizon) this.open.delete(id);
    for (const [id, expiresAt] of this.used) if (expiresAt < horizon) this.used.delete(id);
  }
}
