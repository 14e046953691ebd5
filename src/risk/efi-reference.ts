// Loads the eFI reference data into the database: the code lists of data/efi/efi-deficits.csv into
// code_list_member (list_id 'efi:<deficit_id>'), the 36 deficits and the value rules. Idempotent: a
// checksum of what would be loaded is recorded, and loading again with the same content does nothing.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseCsv } from "../core/csv.ts";
import type { Db } from "../store/index.ts";
import { DEFICIT_COUNT, DEFICITS, isDeficitId, POLYPHARMACY } from "./efi-definition.ts";
import { valueRuleRows } from "./efi-value-rules.ts";

export const EFI_CSV_URL = new URL("../../data/efi/efi-deficits.csv", import.meta.url);
export const EFI_LIST_PREFIX = "efi:";
const REFERENCE_NAME = "efi";
// Any fixed number: serialises reference loads from several processes on one server.
const LOAD_LOCK = 727_400;

export interface EfiCodeRow {
  deficitId: string;
  system: string;
  code: string;
  display: string;
  source: string;
}

export function parseEfiCsv(text: string): EfiCodeRow[] {
  const [header = [], ...rows] = parseCsv(text);
  const expected = ["deficit_id", "deficit_name", "code_system", "code", "display", "source"];
  if (header.join(",") !== expected.join(",")) {
    throw new RangeError(
      `efi-deficits.csv: expected columns ${expected.join(",")}, found ${header.join(",")}`,
    );
  }
  return rows.map((f, i) => {
    if (f.length !== expected.length || !isDeficitId(f[0]) || f[0] === POLYPHARMACY || !/^\d+$/.test(f[3])) {
      throw new RangeError(`efi-deficits.csv line ${i + 2} is not a valid row: ${f.join(",").slice(0, 80)}`);
    }
    return { deficitId: f[0], system: f[2], code: f[3], display: f[4], source: f[5] };
  });
}

export function readEfiCodes(): EfiCodeRow[] {
  return parseEfiCsv(readFileSync(EFI_CSV_URL, "utf8"));
}

export interface EfiReferenceLoad {
  loaded: boolean;
  codeRows: number;
  valueRules: number;
}

/** Loads (or refreshes) the eFI reference data unless the same content is already loaded. */
export async function ensureEfiReference(db: Db): Promise<EfiReferenceLoad> {
  const codes = readEfiCodes();
  const rules = valueRuleRows();
  const checksum = createHash("sha256")
    .update(JSON.stringify([DEFICITS, codes, rules]))
    .digest("hex");
  const current = await db.query<{ checksum: string }>(
    "SELECT checksum FROM risk_reference_load WHERE name = $1",
    [REFERENCE_NAME],
  );
  if (current[0]?.checksum === checksum)
    return { loaded: false, codeRows: codes.length, valueRules: rules.length };
  const result = await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOAD_LOCK]);
    const again = await tx.query<{ checksum: string }>(
      "SELECT checksum FROM risk_reference_load WHERE name = $1",
      [REFERENCE_NAME],
    );
    if (again[0]?.checksum === checksum)
      return { loaded: false, codeRows: codes.length, valueRules: rules.length };
    if (DEFICITS.length !== DEFICIT_COUNT) throw new RangeError("The eFI has 36 deficits");
    await tx.query(
      `INSERT INTO efi_deficit_def (deficit_id, ordinal, name, long_term_condition)
       SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::boolean[])
       ON CONFLICT (deficit_id) DO UPDATE SET ordinal = excluded.ordinal, name = excluded.name,
         long_term_condition = excluded.long_term_condition`,
      [
        DEFICITS.map((d) => d.id),
        DEFICITS.map((_, i) => i),
        DEFICITS.map((d) => d.name),
        DEFICITS.map((d) => d.longTermCondition),
      ],
    );
    await tx.query("DELETE FROM code_list_member WHERE list_id LIKE 'efi:%'");
    // A code may appear twice for one deficit only if the CSV repeats it; the README says it does not.
    await tx.query(
      `INSERT INTO code_list_member (list_id, system, code, source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT DO NOTHING`,
      [
        codes.map((c) => EFI_LIST_PREFIX + c.deficitId),
        codes.map((c) => c.system),
        codes.map((c) => c.code),
        codes.map((c) => c.source),
      ],
    );
    await tx.query("DELETE FROM efi_value_rule");
    await tx.query(
      `INSERT INTO efi_value_rule (rule_id, deficit_id, system, code, label, sex, above, below, source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                            $7::numeric[], $8::numeric[], $9::text[])`,
      [
        rules.map((r) => r.ruleId),
        rules.map((r) => r.deficitId),
        rules.map((r) => r.system),
        rules.map((r) => r.code),
        rules.map((r) => r.label),
        rules.map((r) => r.sex),
        rules.map((r) => r.above),
        rules.map((r) => r.below),
        rules.map((r) => r.source),
      ],
    );
    await tx.query(
      `INSERT INTO risk_reference_load (name, checksum, loaded_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, loaded_at = excluded.loaded_at`,
      [REFERENCE_NAME, checksum],
    );
    return { loaded: true, codeRows: codes.length, valueRules: rules.length };
  });
  // The deficit search joins the whole GP record to these lists; the planner must know their real size.
  if (result.loaded)
    await db.exec("ANALYZE code_list_member; ANALYZE efi_value_rule; ANALYZE efi_deficit_def");
  return result;
}
