import type { MemoryLogger } from "../../server/core/logger.js";

/** The AWS actions of the requests logged since `from` (the request lines: "service Action status ..."), as "service Action". */
export const loggedActions = (logger: MemoryLogger, from: number): string[] =>
  logger.lines
    .slice(from)
    .map((line) => /^(\S+)\s+(\S+)\s+\d{3}\b/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
