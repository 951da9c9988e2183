import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";

/**
 * Multi-threaded WebAssembly for the model's nets (two threads where the machine has two cores
 * or more; `REKOGNITO_FACE_THREADS=1` for one): the backend's threaded build runs each
 * convolution on that many threads (XNNPACK's thread pool on
 * Emscripten pthreads, which are Node worker threads here).
 *
 * tfjs-backend-wasm 4.22 does not do this in Node by itself, for three reasons, each met here
 * for the length of `tf.setBackend("wasm")` only (globals of the analysis worker's own thread,
 * put back right after):
 * - it says Node has no threads (its WASM_HAS_MULTITHREAD_SUPPORT flag answers false there):
 *   the flag is set to true;
 * - each pthread's script is a blob: URL, which Node's Worker refuses (ERR_WORKER_PATH): the
 *   blob's URL is replaced by a data: URL of a few lines of ours that load the package's own
 *   pthread script and its threaded module from node_modules;
 * - the wasm caps its pool at half the logical cores it is told of ("Many x86-64 processors
 *   have 2 threads per core"), so 1 on a 2-core machine: it is told of twice the count asked.
 * The build starts 8 pthread workers up front; the ones the pool does not use are ended (each
 * is a V8 instance, ~20 MB).
 *
 * Threads change no answer: XNNPACK splits a convolution's outputs between the threads, and
 * each output is summed in the same order (measured: the same descriptors, bit for bit, with
 * 1 and 2 threads). What they give depends on the machine's load; on this 2-core machine,
 * shared: see README's Faces section.
 */

const require = createRequire(import.meta.url);

/**
 * The thread count: REKOGNITO_FACE_THREADS when set (1: the single-threaded build), else 2 on a
 * machine with two or more cores. Two, not more: XNNPACK's pool splits each convolution, and
 * past two a photo's small convolutions gain little for the CPU the pool's workers spin away.
 */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): number {
  const fallback = cores >= 2 ? 2 : 1;
  if (env.REKOGNITO_FACE_THREADS === undefined || env.REKOGNITO_FACE_THREADS === "") return fallback;
  const n = Number(env.REKOGNITO_FACE_THREADS);
  return Number.isInteger(n) && n >= 1 && n <= 8 ? n : fallback;
}

interface TfEnv {
  env(): { set(flag: string, value: boolean): void };
}
interface WasmBackendModule {
  setThreadsCount(n: number): void;
}

/**
 * Prepares `tf.setBackend("wasm")` to start the threaded build with `threads` threads; returns
 * what to call once the backend is ready (it puts the globals back and ends the idle workers).
 */
export function prepareWasmThreads(tf: TfEnv, wasm: WasmBackendModule, threads: number): (backend: unknown) => void {
  const wasmOut = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
  // A pthread's script: the package's own (tfjs-backend-wasm-threaded-simd.worker.js holds it as
  // a string), run with `require` and `__filename` as a CommonJS file has them; the module it
  // then loads with importScripts(URL.createObjectURL(…)) is the package's threaded module file.
  const pthread = [
    `import { createRequire } from "node:module";`,
    `const require = createRequire(${JSON.stringify(join(wasmOut, "loader.cjs"))});`,
    `const main = ${JSON.stringify(join(wasmOut, "tfjs-backend-wasm-threaded-simd.js"))};`,
    `URL.createObjectURL = () => main;`,
    `URL.revokeObjectURL = () => {};`,
    // The string holds escaped newlines that its template literal turned into real ones; tfjs
    // escapes them again before making its blob, and so does this.
    `const source = require("./tfjs-backend-wasm-threaded-simd.worker.js").wasmWorkerContents.replace(/\\n/g, "\\\\n");`,
    `new Function("require", "__filename", source)(require, main);`,
  ].join("\n");
  const pthreadUrl = new URL(`data:text/javascript,${encodeURIComponent(pthread)}`);

  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  // tfjs makes the pthread script's blob with this type (its main script's is text/javascript).
  URL.createObjectURL = ((blob: Blob) => (blob.type === "application/javascript" ? pthreadUrl : createObjectURL(blob))) as typeof URL.createObjectURL;
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]!);
  };
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasm.setThreadsCount(threads);

  return (backend) => {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    const pthreads = (backend as { wasm?: { PThread?: { unusedWorkers: { terminate(): unknown }[] } } }).wasm?.PThread;
    if (pthreads) {
      for (const worker of pthreads.unusedWorkers) void worker.terminate();
      pthreads.unusedWorkers.length = 0;
    }
  };
}
