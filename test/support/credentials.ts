/**
 * The credentials every test signs with: the well-known test pair, which rekognito knows (its
 * signatures are verified, as AWS verifies them). Other keys in tests are written where a test
 * is about keys (--credentials, strict mode, an unknown key).
 */
export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** No credentials and no signature at all: what an anonymous caller (curl, a browser) sends. */
export const ANONYMOUS = {
  credentials: { accessKeyId: "", secretAccessKey: "" },
  signer: { sign: async <R>(request: R): Promise<R> => request },
};
