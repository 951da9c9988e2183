import { createHmac, timingSafeEqual } from "node:crypto";
import { CognitoErrors } from "./errors.js";
import type { ClientRecord } from "./store.js";

/** An app client's rules: which auth flows it allows and how it proves it holds its secret. */

export type ClientFlow = "CUSTOM_AUTH" | "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "REFRESH_TOKEN_AUTH" | "USER_SRP_AUTH" | "USER_AUTH";

const DEFAULT_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"];

/** The flows an app client allows: as configured, or AWS's default set when none was given. */
export function clientAllows(client: ClientRecord, flow: ClientFlow): boolean {
  const flows: string[] = client.explicitAuthFlows.length ? client.explicitAuthFlows : DEFAULT_FLOWS;
  if (flows.includes(`ALLOW_${flow}`)) return true;
  // Legacy names, still accepted by AWS.
  if (flow === "CUSTOM_AUTH") return flows.includes("CUSTOM_AUTH_FLOW_ONLY");
  if (flow === "USER_PASSWORD_AUTH") return flows.includes("USER_PASSWORD_AUTH");
  if (flow === "ADMIN_USER_PASSWORD_AUTH") return flows.includes("ADMIN_NO_SRP_AUTH");
  // Refresh is always possible for a client that lists only legacy flows.
  if (flow === "REFRESH_TOKEN_AUTH") return !flows.some((f) => f.startsWith("ALLOW_"));
  return false;
}

/** Checks SECRET_HASH (HMAC-SHA256 of user name + client id, keyed by the secret) for a client that has a secret. */
export function checkSecretHash(client: ClientRecord, secretHash: string | undefined, usernames: (string | undefined)[]): void {
  if (!client.secret) return;
  if (!secretHash) throw CognitoErrors.notAuthorized(`Client ${client.id} is configured for secret but secret was not received`);
  const given = Buffer.from(secretHash, "base64");
  for (const name of usernames) {
    if (!name) continue;
    const want = createHmac("sha256", client.secret).update(`${name}${client.id}`).digest();
    if (want.length === given.length && timingSafeEqual(want, given)) return;
  }
  throw CognitoErrors.notAuthorized(`Unable to verify secret hash for client ${client.id}`);
}

/** Checks a client secret given as itself (GetTokensFromRefreshToken, RevokeToken). */
export function checkClientSecret(client: ClientRecord, secret: string | undefined): void {
  if (!client.secret) return;
  if (!secret) throw CognitoErrors.notAuthorized(`Client ${client.id} is configured for secret but secret was not received`);
  if (secret !== client.secret) throw CognitoErrors.notAuthorized(`Unable to verify secret hash for client ${client.id}`);
}
