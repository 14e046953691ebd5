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

/** What ten bare digits in PID-2 mean from a source: its NHS Number (the v2.2/2.3 habit) or some other id. */
export type Pid2BareDigits = "nhs-number" | "ignore";

/** The sources, of those given, whose bare PID-2 digits are some other id (`ignore`). */
export async function sourcesIgnoringBarePid2(
  q: Queryable,
  sources: readonly string[],
): Promise<Set<string>> {
  if (sources.length === 0) return new Set();
  const rows = await q.query<{ source_system: string }>(
    "SELECT source_system FROM ingest_source WHERE source_system = ANY($1::text[]) AND pid2_bare_digits = 'ignore'",
    [[...new Set(sources)]],
  );
  return new Set(rows.map((r) => r.source_system));
}

export async function setPid2BareDigits(q: Queryable, source: string, rule: Pid2BareDigits): Promise<void> {
  await q.query(
    `INSERT INTO ingest_source (source_system, pid2_bare_digits) VALUES ($1, $2)
     ON CONFLICT (source_system) DO UPDATE SET pid2_bare_digits = excluded.pid2_bare_digits`,
    [source, rule],
  );
}

export async function pid2BareDigitsOf(q: Queryable, source: string): Promise<Pid2BareDigits> {
  const rows = await q.query<{ pid2_bare_digits: Pid2BareDigits }>(
    "SELECT pid2_bare_digits FROM ingest_source WHERE source_system = $1",
    [source],
  );
  return rows[0]?.pid2_bare_digits ?? "nhs-number";
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
