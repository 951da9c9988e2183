import type { AuthenticationResultType, ChallengeNameType } from "@aws-sdk/client-cognito-identity-provider";
import type { RequestContext } from "../../protocol/json.js";
import type { CognitoServices } from "../services.js";
import type { ClientRecord, PoolRecord } from "../store.js";
import { triggerCall, type TriggerCall } from "../triggers/call.js";
import type { StringMap } from "../triggers/events.js";
import type { Wire } from "../wire.js";

/** What the auth flows are built from. */
export type FlowServices = Pick<CognitoServices, "clock" | "ids" | "store" | "sessions" | "triggers" | "tokens" | "mailbox" | "traces">;

/** One sign-in request as every flow sees it: who asks, for which pool and app client. */
export interface FlowContext {
  services: FlowServices;
  request: Pick<RequestContext, "userAgent" | "baseUrl">;
  pool: PoolRecord;
  client: ClientRecord;
  /** The request's ClientMetadata, for the triggers that receive it. */
  clientMetadata: StringMap | undefined;
  /** AdminInitiateAuth / AdminRespondToAuthChallenge (signed, server-side). */
  admin: boolean;
  /** InitiateAuth (true) or RespondToAuthChallenge (false): their ClientMetadata reaches different triggers. */
  initiate: boolean;
}

/** What InitiateAuth and RespondToAuthChallenge (and their Admin twins) answer. */
export interface AuthAnswer {
  ChallengeName?: ChallengeNameType;
  Session?: string;
  ChallengeParameters: Record<string, string>;
  AuthenticationResult?: Wire<AuthenticationResultType>;
  /** USER_AUTH: the first factors the user may choose from. */
  AvailableChallenges?: ChallengeNameType[];
}

/**
 * The ClientMetadata that the sign-in's later triggers (Post Authentication, Pre Token
 * Generation, the custom challenge's) receive: RespondToAuthChallenge's. InitiateAuth's goes only
 * to Pre Sign-up, Pre Authentication and User Migration, as AWS documents it.
 */
export function laterMetadata(flow: FlowContext): StringMap | undefined {
  return flow.initiate ? undefined : flow.clientMetadata;
}

/** The triggers of this request's pool, called as this app client. */
export function triggersOf(flow: FlowContext, trace?: string): TriggerCall {
  return triggerCall(flow.services.triggers, flow.pool, flow.request, flow.client.id, trace);
}

/** When a sign-in session made now expires: the app client's AuthSessionValidity, in minutes. */
export function sessionExpiry(flow: FlowContext): number {
  return flow.services.clock.now() + flow.client.authSessionValidity * 60_000;
}
