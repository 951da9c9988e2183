import type { TimeToLiveSpecification } from "@aws-sdk/client-dynamodb";
import type { CoreServices } from "../../core/services.js";
import type { Journal, JournalRecord } from "../../core/persistence.js";

/** A table's TTL setting as the `dynamodb-ttl` journal keeps it (server/core/persistence.ts: one shape for every journal). */
type Change = JournalRecord & ({ op: "put-ttl"; table: string; specification: TimeToLiveSpecification } | { op: "delete-ttl"; table: string });

/** The records of data directories written before the one shape (`t`). */
type LegacyChange = { t: "ttl"; table: string; spec: TimeToLiveSpecification } | { t: "forget"; table: string };

function readChange(record: Change | LegacyChange): Change | undefined {
  if ("op" in record) return record;
  if (record.t === "ttl") return { op: "put-ttl", table: record.table, specification: record.spec };
  if (record.t === "forget") return { op: "delete-ttl", table: record.table };
  return undefined;
}

/**
 * Each table's Time to Live setting (dynalite has none): journal `dynamodb-ttl`, so it
 * survives restarts; forgotten when the table is deleted. Knows nothing of HTTP.
 *
 * Only the setting: expired items are not deleted (AWS deletes them in the background,
 * typically within a few days, and reads return them until then).
 */
export class TimeToLiveStore {
  private readonly specs = new Map<string, TimeToLiveSpecification>();
  private readonly journal: Journal<Change>;

  constructor(core: CoreServices) {
    this.journal = core.persistence.journal<Change>("dynamodb-ttl");
    for (const record of this.journal.load()) {
      const change = readChange(record);
      if (change?.op === "put-ttl") this.specs.set(change.table, change.specification);
      else if (change?.op === "delete-ttl") this.specs.delete(change.table);
    }
    this.journal.rewrite([...this.specs].map(([table, specification]) => ({ op: "put-ttl" as const, table, specification })));
  }

  /** The table's setting; undefined when TTL was never enabled (or the table was recreated). */
  get(table: string): TimeToLiveSpecification | undefined {
    return this.specs.get(table);
  }

  set(table: string, spec: TimeToLiveSpecification): void {
    this.journal.append({ op: "put-ttl", table, specification: spec });
    this.specs.set(table, spec);
  }

  forget(table: string): void {
    if (!this.specs.has(table)) return;
    this.journal.append({ op: "delete-ttl", table });
    this.specs.delete(table);
  }

  count(): number {
    return [...this.specs.values()].filter((s) => s.Enabled).length;
  }
}
