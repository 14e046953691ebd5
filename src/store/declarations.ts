// The store's second door: its declarations without its engines (the catalogue and the COPY encodings), for code
// that only describes or encodes rows, such as the CSV parsing thread (src/ingest/csv/prepare.ts), which would
// otherwise compile both database drivers on every start. index.ts exports the same names.

export {
  CANONICAL_TABLES,
  CATALOGUE,
  type CanonicalName,
  type Column,
  type ColumnName,
  isTableName,
  type Table,
  type TableName,
} from "./catalogue.ts";
export { type BinaryShape, CopyBinaryWriter } from "./copy-binary.ts";
export type { CopyValue } from "./copy-format.ts";
