import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { KeyGenerator } from "../core/keys.js";
import type { Logger } from "../core/logger.js";
import type { TraceRecorder } from "../core/traces.js";
import type { RequestContext } from "../protocol/json.js";
import type { Mailbox } from "./mailbox.js";
import type { AuthSessions } from "./sessions.js";
import type { CognitoStore } from "./store.js";
import type { TokenSigner } from "./tokens/signer.js";
import type { Triggers } from "./triggers/invoker.js";

/** What Cognito's actions are built from; each action takes the slice it needs. */
export interface CognitoServices {
  clock: Clock;
  ids: IdGenerator;
  /** Signing keys (each user pool's RS256 key). */
  keys: KeyGenerator;
  logger: Logger;
  /** The console's traces of sign-ins, when the stack keeps them. */
  traces?: TraceRecorder;
  store: CognitoStore;
  mailbox: Mailbox;
  triggers: Triggers;
  tokens: TokenSigner;
  sessions: AuthSessions;
}

/** One AWS action as index.ts maps it: a factory over (a slice of) the services. */
export type CognitoActionFactory = (services: CognitoServices) => (input: any, ctx: RequestContext) => Promise<unknown>;
