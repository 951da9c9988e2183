import { createHash, timingSafeEqual } from "node:crypto";
import type {
  ExplicitAuthFlowsType,
  LambdaConfigType,
  TokenValidityUnitsType,
  UserStatusType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { Scope } from "../core/scope.js";
import type { CoreServices } from "../core/services.js";
import type { Journal, JournalRecord } from "../core/persistence.js";
import { randomString } from "../core/ids.js";
import type { StoredSrp } from "./srp.js";

/** A user pool as kept in memory and in the journal. Times are epoch milliseconds. */
export interface PoolRecord {
  id: string;
  name: string;
  region: string;
  arn: string;
  createdAt: number;
  updatedAt: number;
  lambdaConfig: LambdaConfigType;
  usernameAttributes: string[];
  aliasAttributes: string[];
  autoVerifiedAttributes: string[];
  /** UsernameConfiguration.CaseSensitive; AWS's default for API-made pools is case-sensitive. */
  caseSensitive: boolean;
  passwordPolicy: {
    MinimumLength: number;
    RequireUppercase: boolean;
    RequireLowercase: boolean;
    RequireNumbers: boolean;
    RequireSymbols: boolean;
    TemporaryPasswordValidityDays: number;
  };
  /** Standard attributes the pool's schema marks Required (absent in journals written before this field). */
  requiredAttributes?: string[];
  /** Custom attribute names with their prefix ("custom:tenant"). */
  customAttributes: { name: string; type: string; mutable: boolean }[];
  /** Settings echoed back by DescribeUserPool as given (DeletionProtection, AdminCreateUserConfig, ...). */
  extra: Record<string, unknown>;
  /** MfaConfiguration and the factors SetUserPoolMfaConfig enabled (absent in older journals: MFA off). */
  mfa?: PoolMfa;
  /** Policies.SignInPolicy.AllowedFirstAuthFactors (absent: PASSWORD only, AWS's default). */
  firstAuthFactors?: string[];
  /** The pool's RS256 signing key, made when the pool is created and kept in the data directory. */
  key: { kid: string; privateKeyPem: string; publicJwk: Record<string, string> };
}

export interface PoolMfa {
  configuration: "OFF" | "ON" | "OPTIONAL";
  softwareToken: boolean;
  /** Email MFA (EmailMfaConfiguration), with the pool's message and subject when it set them. */
  email: { message?: string; subject?: string } | null;
}

export interface ClientRecord {
  id: string;
  poolId: string;
  name: string;
  secret: string | null;
  createdAt: number;
  updatedAt: number;
  /** As given; empty means AWS's default set (refresh, SRP, custom). */
  explicitAuthFlows: ExplicitAuthFlowsType[];
  preventUserExistenceErrors: "ENABLED" | "LEGACY";
  authSessionValidity: number;
  refreshTokenValidity: number;
  accessTokenValidity: number | null;
  idTokenValidity: number | null;
  tokenValidityUnits: TokenValidityUnitsType | null;
  enableTokenRevocation: boolean;
  /** RefreshTokenRotation: a new refresh token with every refresh, the old one valid for the grace period (absent: off). */
  refreshTokenRotation?: { enabled: boolean; retryGracePeriodSeconds: number };
  /** Other settings echoed back by DescribeUserPoolClient as given. */
  extra: Record<string, unknown>;
}

export interface UserRecord {
  poolId: string;
  /** The user name Cognito knows the user by (the `sub` when the pool signs in by email). */
  username: string;
  sub: string;
  attributes: Record<string, string>;
  status: UserStatusType;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  password: { salt: string; hash: string } | null;
  /** What SRP needs of the password (USER_ID_FOR_SRP is the user name): srp.ts; absent for passwords set before SRP was here. */
  srp?: StoredSrp | null;
  /** When a temporary password (FORCE_CHANGE_PASSWORD) stops working. */
  temporaryPasswordExpiresAt?: number | null;
  /** The pending sign-up confirmation code. */
  code: { code: string; expiresAt: number } | null;
  /** The pending ForgotPassword code. */
  resetCode?: PendingCode | null;
  /** Pending attribute verification codes, by attribute (email). */
  attributeCodes?: Record<string, PendingCode>;
  /** Names of the groups the user belongs to. */
  groups?: string[];
  mfa?: UserMfa;
}

export interface PendingCode {
  code: string;
  expiresAt: number;
  /** Wrong guesses so far. */
  failures: number;
  /** A new value that takes effect once verified (UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate). */
  value?: string;
}

export interface UserMfa {
  /** The TOTP secret AssociateSoftwareToken handed out, and whether VerifySoftwareToken proved it. */
  totp: { secret: string; verified: boolean } | null;
  /** MFA factors the user turned on: SOFTWARE_TOKEN_MFA, EMAIL_OTP. */
  enabled: string[];
  preferred: string | null;
  /** The last TOTP time step used to sign in: a code works once. */
  lastTotpStep?: number;
}

/** A user pool group (CreateGroup). */
export interface GroupRecord {
  poolId: string;
  name: string;
  description: string | null;
  roleArn: string | null;
  precedence: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface RefreshTokenRecord {
  token: string;
  poolId: string;
  clientId: string;
  username: string;
  originJti: string;
  authTime: number;
  expiresAt: number;
  revoked: boolean;
  /** With refresh token rotation: when this token was replaced (it works for the grace period after). */
  rotatedAt?: number;
}

/** A change to Cognito's state as the `cognito` journal keeps it (server/core/persistence.ts: one shape for every journal). */
type Change = JournalRecord &
  (
    | { op: "put-pool"; pool: PoolRecord }
    | { op: "delete-pool"; poolId: string }
    | { op: "put-client"; client: ClientRecord }
    | { op: "delete-client"; clientId: string }
    | { op: "put-user"; user: UserRecord }
    | { op: "delete-user"; poolId: string; username: string }
    | { op: "put-group"; group: GroupRecord }
    | { op: "delete-group"; poolId: string; groupName: string }
    | { op: "put-refresh-token"; refreshToken: RefreshTokenRecord }
    | { op: "revoke-origin"; originJti: string }
  );

/** The records of data directories written before the one shape (`t`, "pool-" for a deletion). */
type LegacyChange =
  | { t: "pool"; pool: PoolRecord }
  | { t: "pool-"; id: string }
  | { t: "client"; client: ClientRecord }
  | { t: "client-"; id: string }
  | { t: "user"; user: UserRecord }
  | { t: "user-"; poolId: string; username: string }
  | { t: "group"; group: GroupRecord }
  | { t: "group-"; poolId: string; name: string }
  | { t: "refresh"; refresh: RefreshTokenRecord }
  | { t: "revoke"; originJti: string };

/** A record as read from the journal, in today's shape; undefined for one no version wrote. */
function readCognitoChange(record: Change | LegacyChange): Change | undefined {
  if ("op" in record) return record;
  switch (record.t) {
    case "pool":
      return { op: "put-pool", pool: record.pool };
    case "pool-":
      return { op: "delete-pool", poolId: record.id };
    case "client":
      return { op: "put-client", client: record.client };
    case "client-":
      return { op: "delete-client", clientId: record.id };
    case "user":
      return { op: "put-user", user: record.user };
    case "user-":
      return { op: "delete-user", poolId: record.poolId, username: record.username };
    case "group":
      return { op: "put-group", group: record.group };
    case "group-":
      return { op: "delete-group", poolId: record.poolId, groupName: record.name };
    case "refresh":
      return { op: "put-refresh-token", refreshToken: record.refresh };
    case "revoke":
      return { op: "revoke-origin", originJti: record.originJti };
    default:
      return undefined;
  }
}

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * User pools, app clients, users and refresh tokens: state and its rules, no HTTP. Every change
 * is appended to the "cognito" journal; on start the journal is replayed and compacted.
 */
export class CognitoStore {
  private readonly pools = new Map<string, PoolRecord>();
  private readonly clients = new Map<string, ClientRecord>();
  /** poolId → username → user */
  private readonly users = new Map<string, Map<string, UserRecord>>();
  /** poolId → lower-cased email → user names: sign-in by email without a scan. */
  private readonly byEmail = new Map<string, Map<string, Set<string>>>();
  /** poolId → group name → group */
  private readonly groups = new Map<string, Map<string, GroupRecord>>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly revokedOrigins = new Set<string>();
  private readonly journal: Journal<Change>;

  constructor(private readonly core: CoreServices) {
    this.journal = core.persistence.journal<Change>("cognito");
    for (const record of this.journal.load()) {
      const change = readCognitoChange(record);
      if (change) this.apply(change);
    }
    const now = core.clock.now();
    for (const [token, r] of this.refreshTokens) if (r.expiresAt < now) this.refreshTokens.delete(token);
    this.journal.rewrite(this.snapshot());
  }

  private apply(change: Change): void {
    switch (change.op) {
      case "put-pool":
        this.pools.set(change.pool.id, change.pool);
        if (!this.users.has(change.pool.id)) this.users.set(change.pool.id, new Map());
        return;
      case "delete-pool":
        this.pools.delete(change.poolId);
        this.users.delete(change.poolId);
        this.byEmail.delete(change.poolId);
        this.groups.delete(change.poolId);
        for (const [id, c] of this.clients) if (c.poolId === change.poolId) this.clients.delete(id);
        for (const [t, r] of this.refreshTokens) if (r.poolId === change.poolId) this.refreshTokens.delete(t);
        return;
      case "put-client":
        this.clients.set(change.client.id, change.client);
        return;
      case "delete-client":
        this.clients.delete(change.clientId);
        return;
      case "put-user": {
        const byName = this.users.get(change.user.poolId);
        if (!byName) return;
        this.unindexEmail(byName.get(change.user.username));
        byName.set(change.user.username, change.user);
        this.indexEmail(change.user);
        return;
      }
      case "delete-user":
        this.unindexEmail(this.users.get(change.poolId)?.get(change.username));
        this.users.get(change.poolId)?.delete(change.username);
        for (const [t, r] of this.refreshTokens) if (r.poolId === change.poolId && r.username === change.username) this.refreshTokens.delete(t);
        return;
      case "put-group": {
        let byName = this.groups.get(change.group.poolId);
        if (!byName) this.groups.set(change.group.poolId, (byName = new Map()));
        byName.set(change.group.name, change.group);
        return;
      }
      case "delete-group":
        this.groups.get(change.poolId)?.delete(change.groupName);
        // Deleting a group takes it out of its members too (the journal already holds their records).
        for (const user of this.users.get(change.poolId)?.values() ?? []) {
          if (user.groups?.includes(change.groupName)) user.groups = user.groups.filter((g) => g !== change.groupName);
        }
        return;
      case "put-refresh-token":
        this.refreshTokens.set(change.refreshToken.token, change.refreshToken);
        return;
      case "revoke-origin":
        this.revokedOrigins.add(change.originJti);
        for (const r of this.refreshTokens.values()) if (r.originJti === change.originJti) r.revoked = true;
        return;
    }
  }

  private indexEmail(user: UserRecord): void {
    const email = user.attributes.email?.toLowerCase();
    if (!email) return;
    let pool = this.byEmail.get(user.poolId);
    if (!pool) this.byEmail.set(user.poolId, (pool = new Map()));
    let names = pool.get(email);
    if (!names) pool.set(email, (names = new Set()));
    names.add(user.username);
  }

  private unindexEmail(user: UserRecord | undefined): void {
    const email = user?.attributes.email?.toLowerCase();
    if (!user || !email) return;
    const pool = this.byEmail.get(user.poolId);
    const names = pool?.get(email);
    names?.delete(user.username);
    if (names && names.size === 0) pool!.delete(email);
  }

  /** Journal first: a change the disk refused (ENOSPC) fails the request and never reaches memory. */
  private commit(change: Change): void {
    this.journal.append(change);
    this.apply(change);
  }

  private snapshot(): Change[] {
    const out: Change[] = [];
    for (const pool of this.pools.values()) out.push({ op: "put-pool", pool });
    for (const client of this.clients.values()) out.push({ op: "put-client", client });
    for (const byName of this.groups.values()) for (const group of byName.values()) out.push({ op: "put-group", group });
    for (const byName of this.users.values()) for (const user of byName.values()) out.push({ op: "put-user", user });
    for (const refresh of this.refreshTokens.values()) out.push({ op: "put-refresh-token", refreshToken: refresh });
    for (const originJti of this.revokedOrigins) out.push({ op: "revoke-origin", originJti });
    return out;
  }

  // --- ids shaped as AWS's ---
  newPoolId(region: string): string {
    let id: string;
    do id = `${region}_${randomString(this.core.ids, 9)}`;
    while (this.pools.has(id));
    return id;
  }
  newClientId(): string {
    let id: string;
    do id = randomString(this.core.ids, 26, LOWER_ALNUM);
    while (this.clients.has(id));
    return id;
  }
  newClientSecret(): string {
    return randomString(this.core.ids, 51, LOWER_ALNUM);
  }
  /** Six digits (or `digits`), from the injected randomness. */
  newCode(digits = 6): string {
    const b = this.core.ids.bytes(4).readUInt32BE(0);
    return String(b % 10 ** digits).padStart(digits, "0");
  }

  // --- pools ---
  putPool(pool: PoolRecord): void {
    this.commit({ op: "put-pool", pool });
  }
  pool(id: string): PoolRecord | undefined {
    return this.pools.get(id);
  }
  /** Every pool, or (given a scope) the pools of that region: user pools are regional, as their ids say. */
  listPools(scope?: Scope): PoolRecord[] {
    const pools = [...this.pools.values()].filter((p) => !scope || p.region === scope.region);
    return pools.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }
  deletePool(id: string): void {
    this.commit({ op: "delete-pool", poolId: id });
  }
  userCount(poolId: string): number {
    return this.users.get(poolId)?.size ?? 0;
  }

  // --- clients ---
  putClient(client: ClientRecord): void {
    this.commit({ op: "put-client", client });
  }
  client(id: string): ClientRecord | undefined {
    return this.clients.get(id);
  }
  clientsOf(poolId: string): ClientRecord[] {
    return [...this.clients.values()].filter((c) => c.poolId === poolId);
  }
  deleteClient(id: string): void {
    this.commit({ op: "delete-client", clientId: id });
  }

  // --- users ---
  putUser(user: UserRecord): void {
    this.commit({ op: "put-user", user });
  }
  deleteUser(user: UserRecord): void {
    this.commit({ op: "delete-user", poolId: user.poolId, username: user.username });
  }
  usersOf(poolId: string): UserRecord[] {
    return [...(this.users.get(poolId)?.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt || a.username.localeCompare(b.username));
  }
  /** The user whose user name is exactly `username` (case-insensitive when the pool says so). */
  userByUsername(pool: PoolRecord, username: string): UserRecord | undefined {
    const byName = this.users.get(pool.id);
    if (!byName) return undefined;
    const exact = byName.get(username);
    if (exact || pool.caseSensitive) return exact;
    const lower = username.toLowerCase();
    for (const u of byName.values()) if (u.username.toLowerCase() === lower) return u;
    return undefined;
  }
  /**
   * The user that a sign-in name designates: its user name, its `sub`, or (when the pool signs in
   * by email or has email as an alias) its email address, case-insensitively.
   */
  findUser(pool: PoolRecord, name: string): UserRecord | undefined {
    const direct = this.userByUsername(pool, name);
    if (direct) return direct;
    const byName = this.users.get(pool.id);
    if (!byName) return undefined;
    const emailSignIn = pool.usernameAttributes.includes("email") || pool.aliasAttributes.includes("email");
    if (emailSignIn && name.includes("@")) {
      const names = this.byEmail.get(pool.id)?.get(name.toLowerCase()) ?? new Set<string>();
      const matches = [...names].map((n) => byName.get(n)).filter((u): u is UserRecord => u !== undefined);
      // With an alias, only a verified address signs in; with email as the user name, any.
      const usable = pool.usernameAttributes.includes("email") ? matches : matches.filter((u) => u.attributes.email_verified === "true");
      if (usable[0]) return usable[0];
    }
    if (pool.usernameAttributes.length) for (const u of byName.values()) if (u.sub === name) return u;
    return undefined;
  }

  // --- groups ---
  putGroup(group: GroupRecord): void {
    this.commit({ op: "put-group", group });
  }
  group(poolId: string, name: string): GroupRecord | undefined {
    return this.groups.get(poolId)?.get(name);
  }
  /** A pool's groups in name order (AWS lists them so). */
  groupsOf(poolId: string): GroupRecord[] {
    return [...(this.groups.get(poolId)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  deleteGroup(group: GroupRecord): void {
    this.commit({ op: "delete-group", poolId: group.poolId, groupName: group.name });
  }

  // --- passwords ---
  hashPassword(password: string): { salt: string; hash: string } {
    const salt = this.core.ids.bytes(16).toString("base64");
    return { salt, hash: createHash("sha256").update(`${salt}:${password}`).digest("base64") };
  }
  passwordMatches(user: UserRecord, password: string): boolean {
    if (!user.password) return false;
    const hash = createHash("sha256").update(`${user.password.salt}:${password}`).digest();
    const want = Buffer.from(user.password.hash, "base64");
    return want.length === hash.length && timingSafeEqual(want, hash);
  }

  // --- refresh tokens and revocation ---
  putRefreshToken(refresh: RefreshTokenRecord): void {
    this.commit({ op: "put-refresh-token", refreshToken: refresh });
  }
  refreshToken(token: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(token);
  }
  refreshTokensOf(poolId: string, username: string): RefreshTokenRecord[] {
    return [...this.refreshTokens.values()].filter((r) => r.poolId === poolId && r.username === username);
  }
  /** Ends every token (refresh, access, id) that descends from one authentication. */
  revokeOrigin(originJti: string): void {
    if (!this.revokedOrigins.has(originJti)) this.commit({ op: "revoke-origin", originJti });
  }
  isRevoked(originJti: string): boolean {
    return this.revokedOrigins.has(originJti);
  }
  /** Ends every token a user holds (sign-out everywhere, disable, delete). */
  revokeUserTokens(user: UserRecord): void {
    for (const r of this.refreshTokensOf(user.poolId, user.username)) this.revokeOrigin(r.originJti);
  }
}
