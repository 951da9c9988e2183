/**
 * AWS's SDK types carry Date for timestamps; on the JSON 1.1 wire Cognito sends epoch seconds.
 * Wire<T> is the SDK type as it is serialised.
 */
export type Wire<T> = T extends Date
  ? number
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends Record<string, unknown>
      ? { [K in keyof T]: Wire<T[K]> }
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
