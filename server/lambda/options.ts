import { cpus, totalmem } from "node:os";
import type { CoreServices } from "../core/services.js";
import { MAX_RESPONSE_PAYLOAD } from "./limits.js";
import { Runner } from "./runner.js";
import type { Timers } from "../core/timers.js";
import type { CpuMeter } from "./cpu.js";

/**
 * How long an execution environment stays warm with nothing to do before it is reclaimed,
 * seconds (--lambda-idle-seconds). AWS reclaims idle environments within minutes (not
 * documented to the second); five minutes keeps a developer's next try warm.
 */
export const DEFAULT_IDLE_SECONDS = 300;
/**
 * What an execution environment may hold beyond its MemorySize before it is killed as out of
 * memory, MB: its resident set counts the interpreter's own pages (the node binary, ~30 MB of a
 * bare environment's 42 MB), shared with every other process running it, which AWS's sandbox
 * does not charge to the function the same way.
 */
export const RUNTIME_MEMORY_ALLOWANCE_MB = 32;
/** Bytes of a handler's output printed to the server log per invocation (the rest is counted). */
export const PRINTED_LOG_BYTES = 256 * 1024;

/** The Lambda runner's settings (app options' `lambda`, the CLI's --lambda-* flags). */
export interface LambdaOptions {
  /** Warm execution environments one function may keep; concurrent invocations beyond it queue. Default 4. */
  maxEnvironmentsPerFunction?: number;
  /**
   * Execution environments the whole stack may keep (default: what fits a quarter of the
   * machine's memory at ~128 MB each, 4 to 32). When they are all in use, a new one takes the
   * place of the least recently used idle one; with none idle, invocations wait.
   */
  maxEnvironments?: number;
  /** Seconds an idle environment stays before it is reclaimed (default DEFAULT_IDLE_SECONDS). */
  idleSeconds?: number;
  /** What an environment may hold beyond its MemorySize, MB (default RUNTIME_MEMORY_ALLOWANCE_MB). */
  memoryAllowanceMb?: number;
  /** Bytes of a handler's output printed to the server log per invocation (default 256 KiB). */
  printedLogBytesPerInvocation?: number;
  /** The timers deadlines run on (tests pass ManualTimers and move time). */
  timers?: Timers;
  /** The python3 Python functions run on (default: REKOGNITO_PYTHON, or python3 on PATH). */
  python?: string;
  /**
   * Where Node.js environments on Node 22 and later keep V8's compiled code of what they load
   * (default: beside the TypeScript builds in rekognito's cache directory; null: none).
   */
  compileCacheDir?: string | null;
  /**
   * How busy the machine's cores are (default: read from /proc on Linux). While they are all
   * busy, mostly with the stack's own work, a queue of invocations gets no new environment.
   */
  cpu?: CpuMeter;
}

/** The stack-wide cap on environments that fits a laptop: a quarter of its memory at ~128 MB each, 4 to 32. */
export function defaultMaxEnvironments(): number {
  const byMemory = Math.floor(totalmem() / 4 / (128 * 1048576));
  return Math.max(4, Math.min(32, byMemory, cpus().length * 8));
}

/** The runner of execution environments with these settings, its logs on the stack's clock and ids. */
export function createRunner(core: CoreServices, options: LambdaOptions): Runner {
  return new Runner({
    logger: core.logger,
    now: () => new Date(core.clock.now()).toISOString(),
    logStreamName: (version) => {
      const day = new Date(core.clock.now()).toISOString().slice(0, 10).replace(/-/g, "/");
      return `${day}/[${version}]${core.ids.bytes(16).toString("hex")}`;
    },
    maxEnvironmentsPerFunction: options.maxEnvironmentsPerFunction ?? 4,
    maxEnvironments: options.maxEnvironments ?? defaultMaxEnvironments(),
    idleMs: (options.idleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000,
    memoryAllowanceMb: options.memoryAllowanceMb ?? RUNTIME_MEMORY_ALLOWANCE_MB,
    maxResponseBytes: MAX_RESPONSE_PAYLOAD,
    printedLogBytesPerInvocation: options.printedLogBytesPerInvocation ?? PRINTED_LOG_BYTES,
    timers: options.timers,
    cpu: options.cpu,
  });
}
