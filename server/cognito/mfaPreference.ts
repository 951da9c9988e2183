import type { EmailMfaSettingsType, SMSMfaSettingsType, SoftwareTokenMfaSettingsType } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "./errors.js";
import { userMfa } from "./flows/mfa.js";
import type { UserRecord } from "./store.js";

/**
 * A user's MFA preference as SetUserMFAPreference and AdminSetUserMFAPreference change it: each
 * factor on or off, and which one is preferred. TOTP can be turned on once VerifySoftwareToken
 * proved it; email MFA needs an email address.
 */
export function applyMfaPreference(
  user: UserRecord,
  settings: { SoftwareTokenMfaSettings?: SoftwareTokenMfaSettingsType; EmailMfaSettings?: EmailMfaSettingsType; SMSMfaSettings?: SMSMfaSettingsType },
): UserRecord {
  if (settings.SMSMfaSettings?.Enabled) throw CognitoErrors.notImplemented("SMS MFA");
  const mfa = userMfa(user);
  let enabled = [...mfa.enabled];
  let preferred = mfa.preferred;
  const set = (factor: string, s: { Enabled?: boolean; PreferredMfa?: boolean } | undefined) => {
    if (!s) return;
    if (s.Enabled === true) {
      if (!enabled.includes(factor)) enabled.push(factor);
      if (s.PreferredMfa === true) preferred = factor;
      else if (s.PreferredMfa === false && preferred === factor) preferred = null;
    } else if (s.Enabled === false) {
      enabled = enabled.filter((f) => f !== factor);
      if (preferred === factor) preferred = null;
    }
  };
  if (settings.SoftwareTokenMfaSettings?.Enabled && !mfa.totp?.verified) throw CognitoErrors.invalidParameter("User has not verified software token mfa");
  if (settings.EmailMfaSettings?.Enabled && !user.attributes.email) throw CognitoErrors.invalidParameter("User does not have an email address to receive email MFA codes.");
  set("SOFTWARE_TOKEN_MFA", settings.SoftwareTokenMfaSettings);
  set("EMAIL_OTP", settings.EmailMfaSettings);
  return { ...user, mfa: { ...mfa, enabled, preferred } };
}

/** UserMFASettingList and PreferredMfaSetting as GetUser and AdminGetUser show them. */
export function mfaSettingsView(user: UserRecord): { UserMFASettingList?: string[]; PreferredMfaSetting?: string } {
  const mfa = userMfa(user);
  return {
    ...(mfa.enabled.length ? { UserMFASettingList: [...mfa.enabled] } : {}),
    ...(mfa.preferred ? { PreferredMfaSetting: mfa.preferred } : {}),
  };
}
