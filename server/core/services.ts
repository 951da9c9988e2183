import type { Clock } from "./clock.js";
import type { IdGenerator } from "./ids.js";
import type { KeyGenerator } from "./keys.js";
import type { Logger } from "./logger.js";
import type { Persistence } from "./persistence.js";
import type { StackEvents } from "./events.js";
import type { TraceRecorder } from "./traces.js";

/** What every service of the stack is built from: the injected clock, randomness, log and storage. */
export interface CoreServices {
  clock: Clock;
  ids: IdGenerator;
  /** Signing keys (user pools' RS256 keys). */
  keys: KeyGenerator;
  logger: Logger;
  persistence: Persistence;
  /** The account id in ARNs (AWS's 12 digits). */
  accountId: string;
  /** The region when a request names none (unsigned requests). */
  defaultRegion: string;
  /**
   * The stack's endpoint as seen from inside the process (http://127.0.0.1:PORT), known once
   * the server listens. Used for presigned URLs made server-side and for Lambda workers.
   */
  endpoint(): string;
  /** In-process notifications between services (S3 → Lambda). */
  events: StackEvents;
  /** What the console shows of sign-ins, invocations and S3 events (absent in hand-built cores of unit tests). */
  traces?: TraceRecorder;
}

/** A part of the stack that reports its state in /_rekognito/health and can be closed. */
export interface StackComponent {
  name: string;
  health(): Record<string, unknown>;
  close(): Promise<void>;
}
