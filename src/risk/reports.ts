// Aggregate views of the latest stratification for practices and localities (no personal data).
import type { Queryable } from "../store/index.ts";

export interface EfiByOrg {
  code: string;
  name: string;
  locality: string | null;
  aged65: number;
  fit: number;
  mild: number;
  moderate: number;
  severe: number;
}

export interface TiersByOrg {
  code: string;
  name: string;
  people: number;
  veryHigh: number;
  high: number;
  rising: number;
  low: number;
  hiu: number;
}

/** A row as the query returns it: an organisation missing from the reference data has no name. */
type Unnamed<T extends { code: string; name: string }> = Omit<T, "name"> & { name: string | null };

/** An organisation without a name goes by its code. */
function named<T extends { code: string; name: string }>(row: Unnamed<T>): T {
  return { ...row, name: row.name ?? row.code } as T;
}

/** eFI categories of people aged 65+, by practice (with its locality). */
export async function efiByPractice(db: Queryable): Promise<EfiByOrg[]> {
  const rows = await db.query<Unnamed<EfiByOrg>>(
    `SELECT rp.practice_code AS code, o.name, rp.locality_code AS locality, count(*) AS aged65,
       count(*) FILTER (WHERE efi_category = 'fit') AS fit, count(*) FILTER (WHERE efi_category = 'mild') AS mild,
       count(*) FILTER (WHERE efi_category = 'moderate') AS moderate,
       count(*) FILTER (WHERE efi_category = 'severe') AS severe
     FROM risk_person rp LEFT JOIN organisation o ON o.org_code = rp.practice_code
     WHERE rp.efi_category IS NOT NULL
     GROUP BY rp.practice_code, o.name, rp.locality_code
     ORDER BY rp.locality_code, rp.practice_code`,
  );
  return rows.map(named);
}

/** Risk tiers and High Intensity Users by locality. */
export async function tiersByLocality(db: Queryable): Promise<TiersByOrg[]> {
  const rows = await db.query<Unnamed<TiersByOrg>>(
    `SELECT coalesce(rp.locality_code, 'unknown') AS code, o.name, count(*) AS people,
       count(*) FILTER (WHERE risk_tier = 'very-high') AS "veryHigh", count(*) FILTER (WHERE risk_tier = 'high') AS high,
       count(*) FILTER (WHERE risk_tier = 'rising') AS rising, count(*) FILTER (WHERE risk_tier = 'low') AS low,
       count(*) FILTER (WHERE hiu) AS hiu
     FROM risk_person rp LEFT JOIN organisation o ON o.org_code = rp.locality_code
     GROUP BY 1, o.name ORDER BY 1`,
  );
  return rows.map(named);
}
