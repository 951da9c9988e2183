import type { VerifySoftwareTokenRequest, VerifySoftwareTokenResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { userMfa } from "../flows/mfa.js";
import { requireTokenUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import { totpStep } from "../totp.js";
import type { Wire } from "../wire.js";

/**
 * Proves the secret AssociateSoftwareToken gave with a code of the moment (the stack's clock): the
 * signed-in user's TOTP is then verified (SetUserMFAPreference turns it on), or, in a sign-in's
 * MFA_SETUP, the new Session completes the challenge.
 */
export const VerifySoftwareToken =
  ({ store, tokens, clock, sessions }: Pick<CognitoServices, "store" | "tokens" | "clock" | "sessions">) =>
  async (input: VerifySoftwareTokenRequest): Promise<Wire<VerifySoftwareTokenResponse>> => {
    const now = clock.now();
    if (input.AccessToken) {
      const { user } = requireTokenUser({ store, tokens }, input.AccessToken);
      const mfa = userMfa(user);
      if (!mfa.totp) throw CognitoErrors.softwareTokenNotFound();
      const step = totpStep(mfa.totp.secret, input.UserCode!, now);
      if (step === null) throw CognitoErrors.softwareTokenMismatch();
      store.putUser({ ...user, mfa: { ...mfa, totp: { ...mfa.totp, verified: true }, lastTotpStep: step }, updatedAt: now });
      return { Status: "SUCCESS" };
    }
    if (!input.Session) throw CognitoErrors.invalidParameter("Either AccessToken or Session must be provided.");
    const session = sessions.takeUnbound(input.Session);
    if (session.challengeName !== "MFA_SETUP" || !session.totpSetup) throw CognitoErrors.invalidSession();
    if (totpStep(session.totpSetup.secret, input.UserCode!, now) === null) {
      // The user may try another code on the same session.
      sessions.reopen(input.Session, session);
      throw CognitoErrors.softwareTokenMismatch();
    }
    const Session = sessions.start({ ...session, totpSetup: { ...session.totpSetup, verified: true } });
    return { Status: "SUCCESS", Session };
  };
