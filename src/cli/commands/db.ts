import {
  type CitusStatus,
  citusStatus,
  discoverMigrations,
  distribute,
  migrate,
  migrationStatus,
} from "../../platform/index.ts";
import { int } from "../command.ts";
import { engineDescription } from "../context.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

export const dbMigrate = defineReport({
  name: "db migrate",
  summary: "Apply the database migrations that have not been applied yet, in order.",
  options: { json },
  db: "open",
  load: async ({ db }) => ({ engine: db.engine, location: db.location, applied: await migrate(db) }),
  show: ({ applied }, { db }) => [
    `Database: ${engineDescription(db)}`,
    applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "Already up to date.",
  ],
});

/** The Citus lines of db status: one a table on a cluster, one line on a single server. */
function layoutLines(citus: CitusStatus): string[] {
  if (!citus.version) return ["Citus: not installed here (one server: every table is an ordinary table)."];
  const off = citus.tables.filter((t) => !t.asDeclared);
  return [
    `Citus ${citus.version}: ${citus.coordinator ? `coordinator with ${citus.workers} worker(s)` : "not a coordinator"}`,
    ...citus.tables.map(
      (t) =>
        `  ${t.actual.padEnd(12)} ${t.table}${t.asDeclared ? "" : `  (declared ${t.declared}${t.actual === "distributed" && t.column ? `, distributed on ${t.column}${t.colocated ? "" : ", not co-located with person"}` : ""})`}`,
    ),
    off.length
      ? `${off.length} table(s) not laid out as declared: run 'oneplace db distribute'.`
      : "Every table laid out as declared.",
    ...(citus.triggersOff.length
      ? [`Triggers off (a shard cannot run a transition-table trigger): ${citus.triggersOff.join(", ")}`]
      : []),
  ];
}

export const dbStatus = defineReport({
  name: "db status",
  summary: "Show which migrations are applied and which are pending, and on Citus each table's layout.",
  options: { json },
  db: "open",
  async load({ db }) {
    const migrations = await migrationStatus(db, discoverMigrations());
    const pending = migrations.filter((s) => s.state !== "applied").length;
    const citus = await citusStatus(db);
    return { engine: db.engine, location: db.location, migrations, pending, citus };
  },
  show: ({ migrations, pending, citus }, { db }) => [
    `Database: ${engineDescription(db)}`,
    ...migrations.map((s) => `  ${s.state.padEnd(22)} ${s.id}${s.appliedAt ? `  (${s.appliedAt})` : ""}`),
    pending ? `${pending} migration(s) pending: run 'oneplace db migrate'.` : "Up to date.",
    ...layoutLines(citus),
  ],
  // A changed migration is an error a script should notice.
  exitCode: ({ migrations }) => (migrations.some((s) => s.state === "changed-since-applied") ? 1 : 0),
});

export const dbDistribute = defineReport({
  name: "db distribute",
  summary:
    "On a Citus coordinator, after db migrate: lay every table out as the catalogue declares (reference, distributed on person_id and co-located with person, distributed on the NHS Number, or coordinator-local). Running it again changes nothing.",
  options: {
    json,
    shards: int("Shards per distributed table (default: Citus's citus.shard_count, 32)", {
      min: 1,
      max: 1024,
    }),
  },
  db: "migrated",
  async load({ db, options }) {
    const steps = await distribute(db, { shardCount: options.shards });
    const citus = await citusStatus(db);
    const count = (layout: string) => citus.tables.filter((t) => t.actual === layout).length;
    return {
      steps,
      distributed: count("distributed"),
      byNhsNumber: count("nhs-number"),
      reference: count("reference"),
      local: count("local"),
      notAsDeclared: citus.tables.filter((t) => !t.asDeclared).map((t) => t.table),
    };
  },
  show: (r, { db }) => [
    `Database: ${engineDescription(db)}`,
    ...r.steps.map((s) => `  ${s.table}: ${s.from} -> ${s.to}`),
    r.steps.length ? `Laid out ${r.steps.length} table(s).` : "Every table was already laid out as declared.",
    `${r.distributed} distributed on person_id, ${r.byNhsNumber} on the NHS Number, ${r.reference} reference, ${r.local} coordinator-local.`,
    ...(r.notAsDeclared.length ? [`Still not as declared: ${r.notAsDeclared.join(", ")}`] : []),
  ],
  exitCode: (r) => (r.notAsDeclared.length ? 1 : 0),
});
