import type { RequestContext } from "../../protocol/json.js";
import type { PoolRecord } from "../store.js";
import { callerContext, type CallerContext } from "./events.js";
import type { Triggers } from "./invoker.js";

/** What every trigger module needs to send its event: the invoker, the pool, who called, the trace. */
export interface TriggerCall {
  triggers: Triggers;
  pool: PoolRecord;
  caller: CallerContext;
  /** The sign-in's trace in the console, when there is one. */
  trace?: string;
}

export function triggerCall(
  triggers: Triggers,
  pool: PoolRecord,
  ctx: Pick<RequestContext, "userAgent">,
  clientId: string,
  trace?: string,
): TriggerCall {
  return { triggers, pool, caller: callerContext(ctx, clientId), trace };
}
