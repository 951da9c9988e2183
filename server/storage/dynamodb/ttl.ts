import type { TimeToLiveSpecification } from "@aws-sdk/client-dynamodb";
import type { CoreServices } from "../../core/services.js";
import type { Journal } from "../../core/persistence.js";

type Entry = { t: "ttl"; table: string; spec: TimeToLiveSpecification } | { t: "forget"; table: string };

/**
 * Each table's Time to Live setting (dynalite has none): journal `dynamodb-ttl`, so it
 * survives restarts; forgotten when the table is deleted. Knows nothing of HTTP.
 *
 * Only the setting: expired items are not deleted (AWS deletes them in the background,
 * typically within a few days, and reads return them until then).
 */
export class TimeToLiveStore {
  private readonly specs = new Map<string, TimeToLiveSpecification>();
  private readonly journal: Journal<Entry>;

  constructor(core: CoreServices) {
    this.journal = core.persistence.journal<Entry>("dynamodb-ttl");
    for (const e of this.journal.load()) {
      if (e.t === "ttl") this.specs.set(e.table, e.spec);
      else this.specs.delete(e.table);
    }
    this.journal.rewrite([...this.specs].map(([table, spec]) => ({ t: "ttl" as const, table, spec })));
  }

  /** The table's setting; undefined when TTL was never enabled (or the table was recreated). */
  get(table: string): TimeToLiveSpecification | undefined {
    return this.specs.get(table);
  }

  set(table: string, spec: TimeToLiveSpecification): void {
    this.journal.append({ t: "ttl", table, spec });
    this.specs.set(table, spec);
  }

  forget(table: string): void {
    if (!this.specs.has(table)) return;
    this.journal.append({ t: "forget", table });
    this.specs.delete(table);
  }

  count(): number {
    return [...this.specs.values()].filter((s) => s.Enabled).length;
  }
}
