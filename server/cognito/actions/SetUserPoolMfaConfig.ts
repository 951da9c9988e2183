import type { SetUserPoolMfaConfigRequest, SetUserPoolMfaConfigResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { PoolRecord } from "../store.js";
import type { Wire } from "../wire.js";

/** The pool's MFA as GetUserPoolMfaConfig and SetUserPoolMfaConfig answer it. */
export function mfaConfigView(pool: PoolRecord): Wire<SetUserPoolMfaConfigResponse> {
  const mfa = pool.mfa;
  return {
    SoftwareTokenMfaConfiguration: { Enabled: mfa?.softwareToken ?? false },
    ...(mfa?.email ? { EmailMfaConfiguration: { ...(mfa.email.message ? { Message: mfa.email.message } : {}), ...(mfa.email.subject ? { Subject: mfa.email.subject } : {}) } } : {}),
    MfaConfiguration: mfa?.configuration ?? "OFF",
  };
}

/**
 * Turns MFA factors on or off for the pool (TOTP; email, with its message and subject) and sets
 * MfaConfiguration. A factor left out of the request stays as it was, as on AWS. SMS and passkeys
 * are not modelled.
 */
export const SetUserPoolMfaConfig =
  ({ store, clock }: Pick<CognitoServices, "store" | "clock">) =>
  async (input: SetUserPoolMfaConfigRequest): Promise<Wire<SetUserPoolMfaConfigResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    if (input.SmsMfaConfiguration) throw CognitoErrors.notImplemented("SMS MFA (SmsMfaConfiguration)");
    if (input.WebAuthnConfiguration) throw CognitoErrors.notImplemented("Passkeys (WebAuthnConfiguration)");
    const previous = pool.mfa ?? { configuration: "OFF", softwareToken: false, email: null };
    const mfa: NonNullable<PoolRecord["mfa"]> = {
      configuration: input.MfaConfiguration ?? previous.configuration,
      softwareToken: input.SoftwareTokenMfaConfiguration ? input.SoftwareTokenMfaConfiguration.Enabled === true : previous.softwareToken,
      email: input.EmailMfaConfiguration ? { message: input.EmailMfaConfiguration.Message, subject: input.EmailMfaConfiguration.Subject } : previous.email,
    };
    if (mfa.configuration !== "OFF" && !mfa.softwareToken && !mfa.email) {
      throw CognitoErrors.invalidParameter("At least one MFA method must be enabled when MfaConfiguration is ON or OPTIONAL.");
    }
    const updated = { ...pool, mfa, updatedAt: clock.now() };
    store.putPool(updated);
    return mfaConfigView(updated);
  };
