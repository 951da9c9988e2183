import type { CoreServices } from "../core/services.js";
import type { RequestContext } from "../protocol/json.js";
import type { CognitoStore } from "./store.js";
import type { Mailbox } from "./mailbox.js";
import type { Triggers } from "./triggers.js";
import type { TokenService } from "./tokens.js";
import type { AuthSessions } from "./sessions.js";

/**
 * AWS's SDK types carry Date for timestamps; on the JSON 1.1 wire Cognito sends epoch seconds.
 * Wire<T> is the SDK type as it is serialised.
 */
export type Wire<T> = T extends Date
  ? number
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends Record<string, unknown>
      ? { [K in keyof T]: Wire<T[K]> }
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

/** What every Cognito action is built from. */
export interface CognitoServices {
  core: CoreServices;
  store: CognitoStore;
  mailbox: Mailbox;
  triggers: Triggers;
  tokens: TokenService;
  sessions: AuthSessions;
}

/** One AWS action: a factory over the services, answering the SDK's input with the SDK's output. */
export type CognitoAction<I, O> = (services: CognitoServices) => (input: I, ctx: RequestContext) => Promise<Wire<O>> | Wire<O>;

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);

// Types @types/aws-lambda defines for the Cognito triggers but does not export by name.
import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
export type StringMap = DefineAuthChallengeTriggerEvent["request"]["userAttributes"];
export type ChallengeSessionEntry = DefineAuthChallengeTriggerEvent["request"]["session"][number];
export type CustomChallengeResult = Extract<ChallengeSessionEntry, { challengeName: "CUSTOM_CHALLENGE" }>;
export type CallerContext = DefineAuthChallengeTriggerEvent["callerContext"];
