import type { VerifyUserAttributeRequest, VerifyUserAttributeResponse } from "@aws-sdk/client-cognito-identity-provider";
import { codeMatches } from "../codes.js";
import { CognitoErrors } from "../errors.js";
import { requireTokenUser } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { Wire } from "../wire.js";

/** The code mailed to a new (or unverified) email address: the address is verified, and a pending one takes effect. */
export const VerifyUserAttribute =
  ({ store, tokens, clock }: Pick<CognitoServices, "store" | "tokens" | "clock">) =>
  async (input: VerifyUserAttributeRequest): Promise<Wire<VerifyUserAttributeResponse>> => {
    const { pool, user } = requireTokenUser({ store, tokens }, input.AccessToken!);
    const name = input.AttributeName!;
    if (name !== "email") throw CognitoErrors.notImplemented(`Verifying ${name} (codes go by email only)`);
    const pending = user.attributeCodes?.[name];
    const now = clock.now();
    if (!codeMatches(pending, input.Code!, now)) {
      store.putUser({ ...user, attributeCodes: { ...user.attributeCodes, [name]: { ...pending!, failures: pending!.failures + 1 } } });
      throw CognitoErrors.codeMismatch();
    }
    const { [name]: _done, ...codes } = user.attributeCodes ?? {};
    const attributes: Record<string, string> = { ...user.attributes, email_verified: "true" };
    if (pending!.value !== undefined) {
      if (pool.usernameAttributes.includes("email")) {
        const other = store.findUser(pool, pending!.value);
        if (other && other.username !== user.username) throw CognitoErrors.aliasExists();
      }
      attributes.email = pending!.value;
    }
    store.putUser({ ...user, attributes, attributeCodes: codes, updatedAt: now });
    return {};
  };
