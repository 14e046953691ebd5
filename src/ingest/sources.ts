import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Queryable } from "../store/index.ts";

// Sources OnePlace has heard from, and the organisation each speaks for.

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The organisation of a source: the one given now (remembered), else the one remembered. */
export async function sourceOrg(
  q: Queryable,
  sourceSystem: string,
  given?: string | null,
): Promise<string | null> {
  if (given) {
    await q.query(
      `INSERT INTO ingest_source (source_system, org_code) VALUES ($1, $2)
       ON CONFLICT (source_system) DO UPDATE SET org_code = excluded.org_code`,
      [sourceSystem, given],
    );
    return given;
  }
  const rows = await q.query<{ org_code: string | null }>(
    "SELECT org_code FROM ingest_source WHERE source_system = $1",
    [sourceSystem],
  );
  return rows[0]?.org_code ?? null;
}

/** Code maps (e.g. ward code to ward kind) from a CSV: source_system,map_name,source_code,target_code. */
export async function upsertCodeMap(
  q: Queryable,
  rows: readonly { sourceSystem: string; mapName: string; sourceCode: string; targetCode: string }[],
): Promise<number> {
  let changed = 0;
  for (const r of rows) {
    const out = await q.query(
      `INSERT INTO ingest_code_map (source_system, map_name, source_code, target_code) VALUES ($1, $2, $3, $4)
       ON CONFLICT (source_system, map_name, source_code) DO UPDATE SET target_code = excluded.target_code
       WHERE ingest_code_map.target_code IS DISTINCT FROM excluded.target_code RETURNING 1`,
      [r.sourceSystem, r.mapName, r.sourceCode, r.targetCode],
    );
    changed += out.length;
  }
  return changed;
}
