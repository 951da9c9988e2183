/**
 * AWS Lambda's quotas and defaults as rekognito applies them (the package sizes are code.ts's,
 * the number of layers layers.ts's).
 */

export const DEFAULT_TIMEOUT_SECONDS = 3;
export const MAX_TIMEOUT_SECONDS = 900;
export const DEFAULT_MEMORY_MB = 128;
/** Synchronous invocation request payload limit, bytes (6 MB). */
export const MAX_SYNC_PAYLOAD = 6_291_456;
/**
 * The largest synchronous response: AWS documents 6 MB and refuses anything over the figure its
 * error message gives, "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
 */
export const MAX_RESPONSE_PAYLOAD = 6_291_556;
/** Asynchronous (Event) invocation payload limit, bytes (1 MB since October 2025; 256 KB before). */
export const MAX_ASYNC_PAYLOAD = 1_048_576;
/** The account's concurrency (AWS's default quota) and the share reservations must leave. */
export const ACCOUNT_CONCURRENCY = 1000;
export const MIN_UNRESERVED_CONCURRENCY = 100;
