import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Amplify JS v6's own SRP client half (its AuthenticationHelper, signature and timestamp), loaded
 * from the installed package: an independent implementation for tests that drive SRP through
 * the plain SDK clients. Amplify's package exports hide these modules, so they are imported by
 * file path.
 */
const authDir = dirname(createRequire(import.meta.url).resolve("@aws-amplify/auth/package.json"));
const srpDir = join(authDir, "dist/esm/providers/cognito/utils/srp");
const load = (file: string) => import(pathToFileURL(join(srpDir, file)).href);

interface BigIntegerLike {
  toString(radix: number): string;
}
interface Helper {
  A: BigIntegerLike;
  getPasswordAuthenticationKey(input: { username: string; password: string; serverBValue: BigIntegerLike; salt: BigIntegerLike }): Promise<Uint8Array>;
}

export interface AmplifySrp {
  /** SRP_A, hex, as Amplify sends it. */
  A: string;
  /** The PASSWORD_VERIFIER ChallengeResponses Amplify would send for these ChallengeParameters. */
  respond(challenge: Record<string, string>, password: string, timestamp?: string): Promise<Record<string, string>>;
}

export async function amplifySrp(poolId: string): Promise<AmplifySrp> {
  const [{ getAuthenticationHelper, getNowString, getSignatureString }, { default: BigInteger }] = await Promise.all([
    load("index.mjs"),
    load("BigInteger/BigInteger.mjs"),
  ]);
  const userPoolName = poolId.split("_")[1]!;
  const helper = (await getAuthenticationHelper(userPoolName)) as Helper;
  return {
    A: helper.A.toString(16),
    async respond(challenge, password, timestamp = getNowString()) {
      const username = challenge.USER_ID_FOR_SRP!;
      const hkdf = await helper.getPasswordAuthenticationKey({
        username,
        password,
        serverBValue: new BigInteger(challenge.SRP_B, 16),
        salt: new BigInteger(challenge.SALT, 16),
      });
      return {
        USERNAME: username,
        PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK!,
        TIMESTAMP: timestamp,
        PASSWORD_CLAIM_SIGNATURE: getSignatureString({ userPoolName, username, challengeParameters: challenge, dateNow: timestamp, hkdf }),
      };
    },
  };
}
