/**
 * Where a piece of AWS state lives: an account and, for a regional service, a region. A request's
 * context (server/protocol/json.ts RequestContext) is one: `collections.of(ctx)`.
 */
export interface Scope {
  accountId: string;
  region: string;
}

/**
 * State kept apart by account and region, in one place (as LocalStack's AccountRegionBundle and
 * moto's BackendDict keep theirs): `stores.of(ctx)` is the account and region's own, made on
 * first use, so a service's code names an account and a region once instead of passing them to
 * every call. A global service (S3's buckets are one namespace per account) scopes by account
 * only, with `{ perRegion: false }`.
 */
export class ScopedStores<T> {
  private readonly byScope = new Map<string, { scope: Scope; store: T }>();

  constructor(
    private readonly make: (scope: Scope) => T,
    private readonly options: { perRegion?: boolean } = {},
  ) {}

  of(scope: Scope): T {
    const regional = this.options.perRegion ?? true;
    const key = regional ? `${scope.accountId}\u0000${scope.region}` : scope.accountId;
    let entry = this.byScope.get(key);
    if (!entry) {
      const own: Scope = { accountId: scope.accountId, region: regional ? scope.region : "" };
      entry = { scope: own, store: this.make(own) };
      this.byScope.set(key, entry);
    }
    return entry.store;
  }

  /** The scopes used so far, with their stores. */
  entries(): [Scope, T][] {
    return [...this.byScope.values()].map((e) => [e.scope, e.store]);
  }
}
