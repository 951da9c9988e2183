import type { AuthenticationResultType } from "@aws-sdk/client-cognito-identity-provider";
import type { RefreshTokenRecord, UserRecord } from "../store.js";
import { issueTokens } from "../tokens/issue.js";
import type { StringMap } from "../triggers/events.js";
import type { TokenSource } from "../triggers/preTokenGeneration.js";
import type { Wire } from "../wire.js";
import type { FlowContext } from "./context.js";

/** The tokens a flow ends with, issued for this request's pool and app client. */
export function issueFor(
  flow: FlowContext,
  user: UserRecord,
  opts: { source: TokenSource; clientMetadata: StringMap | undefined; refresh?: RefreshTokenRecord; rotate?: boolean; trace?: string },
): Promise<Wire<AuthenticationResultType>> {
  return issueTokens(flow.services, { pool: flow.pool, client: flow.client, request: flow.request, user, ...opts });
}
