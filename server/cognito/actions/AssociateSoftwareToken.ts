import type { AssociateSoftwareTokenRequest, AssociateSoftwareTokenResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { userMfa } from "../flows/mfa.js";
import { requireTokenUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import { base32 } from "../totp.js";
import type { Wire } from "../wire.js";

/**
 * A new TOTP secret for the user's authenticator app: for a signed-in user (AccessToken), or in
 * the middle of a sign-in that must set MFA up (the MFA_SETUP challenge's Session, answered with a
 * new Session). VerifySoftwareToken proves it.
 */
export const AssociateSoftwareToken =
  ({ store, tokens, ids, clock, sessions }: Pick<CognitoServices, "store" | "tokens" | "ids" | "clock" | "sessions">) =>
  async (input: AssociateSoftwareTokenRequest): Promise<Wire<AssociateSoftwareTokenResponse>> => {
    const SecretCode = base32(ids.bytes(32));
    if (input.AccessToken) {
      const { user } = requireTokenUser({ store, tokens }, input.AccessToken);
      const mfa = userMfa(user);
      // A new secret replaces the old one, which stops working as MFA until the new one is verified.
      store.putUser({
        ...user,
        mfa: { ...mfa, totp: { secret: SecretCode, verified: false }, enabled: mfa.enabled.filter((f) => f !== "SOFTWARE_TOKEN_MFA"), preferred: mfa.preferred === "SOFTWARE_TOKEN_MFA" ? null : mfa.preferred },
        updatedAt: clock.now(),
      });
      return { SecretCode };
    }
    if (!input.Session) throw CognitoErrors.invalidParameter("Either AccessToken or Session must be provided.");
    const session = sessions.takeUnbound(input.Session);
    if (session.challengeName !== "MFA_SETUP") throw CognitoErrors.invalidSession();
    const Session = sessions.start({ ...session, totpSetup: { secret: SecretCode, verified: false } });
    return { SecretCode, Session };
  };
