import { CARE_TABLES } from "./catalogue/care.ts";
import { COMMISSIONING_TABLES } from "./catalogue/commissioning.ts";
import type { ColumnType, CopyRowOf, Layout, RowOf, SqlType, TableDefinition } from "./catalogue/define.ts";
import { FHIR_TABLES } from "./catalogue/fhir.ts";
import { GOVERNANCE_TABLES } from "./catalogue/governance.ts";
import { INGEST_TABLES } from "./catalogue/ingest.ts";
import { MPI_TABLES } from "./catalogue/mpi.ts";
import { OUTCOMES_TABLES } from "./catalogue/outcomes.ts";
import { RISK_TABLES } from "./catalogue/risk.ts";
import { STORE_TABLES } from "./catalogue/store.ts";
import { DatabaseError } from "./db.ts";

// Every table the migrations create, listed once: its columns in order with their SQL types and nullability,
// its keys, and what follows from them. Row types are derived from it. test/store/catalogue.test.ts checks
// it against information_schema after migrating, on both engines. How to add a table or a column:
// src/store/README.md.

export type { ColumnType, Layout, SqlType } from "./catalogue/define.ts";

/** Each migration folder's tables, in migration order; the key is the folder under src. */
const GROUPS = {
  store: STORE_TABLES,
  governance: GOVERNANCE_TABLES,
  care: CARE_TABLES,
  risk: RISK_TABLES,
  ingest: INGEST_TABLES,
  mpi: MPI_TABLES,
  outcomes: OUTCOMES_TABLES,
  commissioning: COMMISSIONING_TABLES,
  fhir: FHIR_TABLES,
} as const;

type Definitions = typeof STORE_TABLES &
  typeof GOVERNANCE_TABLES &
  typeof CARE_TABLES &
  typeof RISK_TABLES &
  typeof INGEST_TABLES &
  typeof MPI_TABLES &
  typeof OUTCOMES_TABLES &
  typeof COMMISSIONING_TABLES;

export type TableName = keyof Definitions & string;
export type Owner = keyof typeof GROUPS;

/** A row of the table as the Db returns it (`Row<"hospital_spell">`): one named property per column. */
export type Row<T extends TableName> = RowOf<Definitions[T]["columns"]>;

/** A row to load with COPY: every column by name, timestamps as ISO strings. */
export type CopyRow<T extends TableName> = CopyRowOf<Definitions[T]["columns"]>;

/** The names of a table's columns; for the union of tables, any of their columns. */
export type ColumnName<T extends TableName> = T extends TableName
  ? keyof Definitions[T]["columns"] & string
  : never;

export interface Column {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
}

/** Where a row came from: the sending system, that system's id for it, and when it arrived. */
export const PROVENANCE_COLUMNS = ["source_system", "source_record_id", "received_at"] as const;

export interface Table<T extends TableName = TableName> {
  readonly name: T;
  /** The folder under src whose migrations create the table. */
  readonly owner: Owner;
  readonly columns: readonly Column[];
  /** The column names in table order: the order of COPY text and of positional rows. */
  readonly columnNames: readonly ColumnName<T>[];
  readonly primaryKey: readonly ColumnName<T>[];
  readonly unique: readonly (readonly ColumnName<T>[])[];
  /**
   * person_id leads the primary key and every unique key: the table can be distributed on person_id under
   * Citus, and a person's rows are found (and erased) by person_id alone.
   */
  readonly personScoped: boolean;
  /** Which of PROVENANCE_COLUMNS the table has, in that order. */
  readonly provenance: readonly ColumnName<T>[];
  /** Where it lives on a Citus cluster (catalogue/define.ts, `oneplace db distribute`). */
  readonly layout: Layout;
}

function parseColumn(name: string, spelled: ColumnType): Column {
  const nullable = spelled.endsWith("?");
  return { name, type: (nullable ? spelled.slice(0, -1) : spelled) as SqlType, nullable };
}

function build(name: string, owner: Owner, definition: TableDefinition): Table {
  const columns = Object.entries(definition.columns).map(([column, type]) => parseColumn(column, type));
  const columnNames = columns.map((c) => c.name);
  const unique = definition.unique ?? [];
  const leadsWithPerson = (key: readonly string[]) => key[0] === "person_id";
  return {
    name: name as TableName,
    owner,
    columns,
    columnNames: columnNames as ColumnName<TableName>[],
    primaryKey: definition.primaryKey as ColumnName<TableName>[],
    unique: unique as ColumnName<TableName>[][],
    personScoped: leadsWithPerson(definition.primaryKey) && unique.every(leadsWithPerson),
    provenance: PROVENANCE_COLUMNS.filter((c) => columnNames.includes(c)) as ColumnName<TableName>[],
    layout: definition.layout,
  };
}

function buildCatalogue(): { readonly [T in TableName]: Table<T> } {
  const tables: Record<string, Table> = {};
  for (const [owner, group] of Object.entries(GROUPS)) {
    for (const [name, definition] of Object.entries(group)) {
      tables[name] = build(name, owner as Owner, definition as TableDefinition);
    }
  }
  return tables as unknown as { readonly [T in TableName]: Table<T> };
}

/** Every table, by name. */
export const CATALOGUE = buildCatalogue();

/** Every table in migration order. */
export const TABLES: readonly Table[] = Object.values(CATALOGUE);

/**
 * The canonical tables: what source systems say happened to a person, one row per source record, upserted on
 * its provenance (person_id, source_system, source_record_id; death on person_id alone). Ingest writes them,
 * the synthetic generator fills them, the place summary counts them.
 */
export const CANONICAL_TABLES = [
  "registration",
  "death",
  "hospital_spell",
  "ward_stay",
  "ae_attendance",
  "outpatient_attendance",
  "care_contact",
  "gp_entry",
  "medication_issue",
  "social_care_assessment",
  "social_care_service",
  "care_home_placement",
  "delayed_transfer",
  "care_plan",
] as const satisfies readonly TableName[];

export type CanonicalName = (typeof CANONICAL_TABLES)[number];

export function isTableName(name: string): name is TableName {
  return Object.hasOwn(CATALOGUE, name);
}

/** The catalogue entry of a table named at run time (a feed, a command line). */
export function tableNamed(name: string): Table {
  if (!isTableName(name)) throw new DatabaseError(`No table "${name}" in the catalogue`);
  return CATALOGUE[name];
}
