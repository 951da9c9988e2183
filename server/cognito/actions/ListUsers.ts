import type { ListUsersRequest, ListUsersResponse } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoErrors } from "../errors.js";
import { requirePool } from "../lookups.js";
import type { CognitoServices } from "../services.js";
import type { UserRecord } from "../store.js";
import { userView } from "../views.js";
import type { Wire } from "../wire.js";

const SEARCHABLE = ["username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status", "status", "sub"];

/** Parses `name = "value"` or `name ^= "value"` (quotes inside escaped with a backslash). */
export function parseFilter(filter: string): ((user: UserRecord) => boolean) | null {
  if (!filter.trim()) return null;
  const m = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw CognitoErrors.invalidParameter("Error while parsing filter.");
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  if (!SEARCHABLE.includes(name)) throw CognitoErrors.invalidParameter("Invalid search attribute: " + name);
  const wanted = raw.replace(/\\(.)/g, "$1");
  const insensitive = name === "email" || name === "cognito:user_status";
  const valueOf = (u: UserRecord): string | undefined => {
    if (name === "username") return u.username;
    if (name === "sub") return u.sub;
    if (name === "cognito:user_status") return u.status;
    if (name === "status") return u.enabled ? "Enabled" : "Disabled";
    return u.attributes[name];
  };
  return (u) => {
    let value = valueOf(u);
    if (value === undefined) return false;
    let w = wanted;
    if (insensitive) {
      value = value.toLowerCase();
      w = w.toLowerCase();
    }
    return op === "=" ? value === w : value.startsWith(w);
  };
}

export const ListUsers =
  ({ store }: Pick<CognitoServices, "store">) =>
  async (input: ListUsersRequest): Promise<Wire<ListUsersResponse>> => {
    const pool = requirePool(store, input.UserPoolId!);
    const match = parseFilter(input.Filter ?? "");
    const users = store.usersOf(pool.id).filter((u) => !match || match(u));
    const limit = input.Limit || 60;
    let start = 0;
    if (input.PaginationToken) {
      const decoded = Buffer.from(input.PaginationToken, "base64url").toString("utf8");
      // Only a token this action handed out: base64url of a position in the list.
      if (!/^\d+$/.test(decoded) || Buffer.from(decoded).toString("base64url") !== input.PaginationToken) {
        throw CognitoErrors.invalidParameter("Invalid pagination token.");
      }
      start = Number(decoded);
    }
    const page = users.slice(start, start + limit);
    return {
      Users: page.map((u) => userView(u, input.AttributesToGet)),
      ...(start + limit < users.length ? { PaginationToken: Buffer.from(String(start + limit)).toString("base64url") } : {}),
    };
  };
