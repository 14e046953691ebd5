import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseCsv } from "../core/csv.ts";

// The eFI deficit code lists (data/efi/efi-deficits.csv), read at run time from the repository.

export const EFI_CSV_URL = new URL("../../data/efi/efi-deficits.csv", import.meta.url);
export const POLYPHARMACY = "polypharmacy";

export interface EfiCode {
  deficitId: string;
  code: string;
  display: string;
}

export interface EfiCodeLists {
  /** The 35 coded deficits, in file order (polypharmacy has no codes and is not here). */
  deficitIds: readonly string[];
  codesByDeficit: ReadonlyMap<string, readonly EfiCode[]>;
  /** Every deficit a code belongs to (48 codes belong to more than one). */
  deficitsByCode: ReadonlyMap<string, readonly string[]>;
}

let cached: EfiCodeLists | null = null;

export function loadEfiCodeLists(): EfiCodeLists {
  if (cached) return cached;
  const text = readFileSync(fileURLToPath(EFI_CSV_URL), "utf8");
  const [header = [], ...rows] = parseCsv(text);
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${fileURLToPath(EFI_CSV_URL)} has no "${name}" column`);
    return i;
  };
  const [deficitCol, codeCol, displayCol] = [col("deficit_id"), col("code"), col("display")];
  const codesByDeficit = new Map<string, EfiCode[]>();
  const deficitsByCode = new Map<string, string[]>();
  for (const f of rows) {
    const entry = { deficitId: f[deficitCol], code: f[codeCol], display: f[displayCol] };
    const list = codesByDeficit.get(entry.deficitId);
    if (list) list.push(entry);
    else codesByDeficit.set(entry.deficitId, [entry]);
    const deficits = deficitsByCode.get(entry.code);
    if (deficits) deficits.push(entry.deficitId);
    else deficitsByCode.set(entry.code, [entry.deficitId]);
  }
  cached = { deficitIds: [...codesByDeficit.keys()], codesByDeficit, deficitsByCode };
  return cached;
}
