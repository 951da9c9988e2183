// The face analysis worker's entry: plain JavaScript because on Node 20 a worker thread does
// not inherit the parent's module hooks (tsx); it registers tsx itself and runs worker.ts.
// Decoding, the near-copy match and the model's nets all run in this thread, never on the
// server's event loop.
import { tsImport } from "tsx/esm/api";

await tsImport("./worker.ts", import.meta.url);
