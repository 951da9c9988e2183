import type { ClientRecord } from "../store.js";

const SECONDS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 } as const;

function validitySeconds(value: number | null, unit: string | undefined, fallbackUnit: keyof typeof SECONDS, fallback: number): number {
  if (!value) return fallback;
  return value * SECONDS[(unit as keyof typeof SECONDS | undefined) ?? fallbackUnit];
}

/** How long an app client's tokens live, in seconds: as configured, else AWS's defaults (1 hour, 30 days). */
export function tokenLifetimes(client: Pick<ClientRecord, "accessTokenValidity" | "idTokenValidity" | "refreshTokenValidity" | "tokenValidityUnits">): {
  access: number;
  id: number;
  refresh: number;
} {
  const units = client.tokenValidityUnits ?? {};
  return {
    access: validitySeconds(client.accessTokenValidity, units.AccessToken, "hours", 3600),
    id: validitySeconds(client.idTokenValidity, units.IdToken, "hours", 3600),
    refresh: validitySeconds(client.refreshTokenValidity, units.RefreshToken, "days", 30 * 86400),
  };
}
