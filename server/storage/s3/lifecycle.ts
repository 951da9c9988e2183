import type { LifecycleRule } from "@aws-sdk/client-s3";
import type { ObjectRecord, UploadRecord } from "./records.js";

/**
 * Lifecycle rules' arithmetic, as S3 computes it: when a rule expires an object, when it aborts
 * an incomplete multipart upload. The store applies it at the first access after the due time.
 */

const DAY = 86_400_000;

/** Whether an enabled rule's filter (prefix, size) takes in the object. Tag filters match nothing: objects have no tags here. */
function ruleApplies(rule: LifecycleRule, o: ObjectRecord): boolean {
  if (rule.Status !== "Enabled") return false;
  const f = rule.Filter;
  const and = f?.And;
  if (f?.Tag || and?.Tags?.length) return false;
  const prefix = and?.Prefix ?? f?.Prefix ?? rule.Prefix ?? "";
  if (!o.key.startsWith(prefix)) return false;
  const greater = and?.ObjectSizeGreaterThan ?? f?.ObjectSizeGreaterThan;
  const less = and?.ObjectSizeLessThan ?? f?.ObjectSizeLessThan;
  if (greater !== undefined && !(o.size > greater)) return false;
  if (less !== undefined && !(o.size < less)) return false;
  return true;
}

/**
 * When a rule expires an object, as S3 computes it: Days after creation rounded up to the
 * next midnight UTC, or the rule's Date. Undefined when the rule does not expire it.
 */
export function expiryOf(rule: LifecycleRule, o: ObjectRecord): number | undefined {
  if (!ruleApplies(rule, o)) return undefined;
  const e = rule.Expiration;
  if (e?.Days !== undefined) return Math.ceil((o.lastModified + e.Days * DAY) / DAY) * DAY;
  if (e?.Date !== undefined) return new Date(e.Date).getTime();
  return undefined;
}

/** When a rule's AbortIncompleteMultipartUpload aborts an upload (prefix filters only, as S3), rounded up to midnight UTC. */
export function abortDueOf(rule: LifecycleRule, u: Pick<UploadRecord, "key" | "initiated">): number | undefined {
  const days = rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation;
  if (rule.Status !== "Enabled" || days === undefined) return undefined;
  const prefix = rule.Filter?.And?.Prefix ?? rule.Filter?.Prefix ?? rule.Prefix ?? "";
  if (rule.Filter?.Tag || rule.Filter?.And?.Tags?.length || !u.key.startsWith(prefix)) return undefined;
  return Math.ceil((u.initiated + days * DAY) / DAY) * DAY;
}

export function isExpired(rules: LifecycleRule[], o: ObjectRecord, now: number): boolean {
  return rules.some((rule) => {
    const due = expiryOf(rule, o);
    return due !== undefined && now >= due;
  });
}

