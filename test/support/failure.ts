/** What an SDK call throws: its exception, named by AWS's error type, with the answer's metadata. */
export type CallError = Error & { $metadata: { httpStatusCode?: number; requestId?: string }; $fault?: string };

/**
 * The error a call fails with: `name` is AWS's error type, `message` its message, `$metadata`
 * the answer's status. With `type` (e.g. S3ServiceException), any other error is thrown on as
 * it came, so a bug is not mistaken for the refusal a test expects. A call that succeeds fails
 * the test. Compare with `toMatchObject({ name, message })`.
 */
export async function failure<E extends Error = CallError>(promise: Promise<unknown>, type?: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (type === undefined || error instanceof type) return error as E;
    throw error;
  }
  throw new Error("expected the call to fail");
}
