import type { GroupType } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "./errors.js";
import type { CognitoStore, GroupRecord, PoolRecord } from "./store.js";
import { epochSeconds, type Wire } from "./wire.js";

/** User pool groups: lookups, AWS's view of a group, and the pagination of its lists. */

export function requireGroup(store: CognitoStore, pool: PoolRecord, name: string): GroupRecord {
  const group = store.group(pool.id, name);
  if (!group) throw CognitoErrors.groupNotFound();
  return group;
}

export function groupView(group: GroupRecord): Wire<GroupType> {
  return {
    GroupName: group.name,
    UserPoolId: group.poolId,
    ...(group.description !== null ? { Description: group.description } : {}),
    ...(group.roleArn !== null ? { RoleArn: group.roleArn } : {}),
    ...(group.precedence !== null ? { Precedence: group.precedence } : {}),
    LastModifiedDate: epochSeconds(group.updatedAt),
    CreationDate: epochSeconds(group.createdAt),
  };
}

/** A page of a list by position: NextToken is base64url of where the next page starts (only one this handed out is taken). */
export function page<T>(items: T[], limit: number | undefined, token: string | undefined): { items: T[]; next?: string } {
  const size = limit || 60;
  let start = 0;
  if (token) {
    const decoded = Buffer.from(token, "base64url").toString("utf8");
    if (!/^\d+$/.test(decoded) || Buffer.from(decoded).toString("base64url") !== token) throw CognitoErrors.invalidParameter("Invalid pagination token.");
    start = Number(decoded);
  }
  const out = items.slice(start, start + size);
  return start + size < items.length ? { items: out, next: Buffer.from(String(start + size)).toString("base64url") } : { items: out };
}
