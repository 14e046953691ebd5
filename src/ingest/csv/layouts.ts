import { clientIdSystem } from "../ids.ts";
import * as D from "./declarations.ts";
import type { ColumnDef } from "./declare.ts";
import {
  byNhsNumberLayout,
  type ChunkContext,
  type ChunkResult,
  type CsvLayout,
  type CsvRow,
  linkedLayout,
  peopleLayout,
  type RowReject,
  referenceLayout,
} from "./writers.ts";

// The CSV extract layouts OnePlace accepts: each declaration (declarations.ts) with the writer that says how its
// rows find their person (writers.ts). The loader checks cells and writes rows from them.

export type { ChunkContext, ChunkResult, ColumnDef, CsvLayout, CsvRow, RowReject };

export const GP_PATIENTS = peopleLayout(D.GP_PATIENTS);
export const GP_REGISTRATIONS = linkedLayout(D.GP_REGISTRATIONS);
export const GP_CODED_RECORD = linkedLayout(D.GP_CODED_RECORD);
export const SC_CLIENTS = peopleLayout(D.SC_CLIENTS, clientIdSystem);
export const SC_ASSESSMENTS = linkedLayout(D.SC_ASSESSMENTS);
export const SC_SERVICES = linkedLayout(D.SC_SERVICES);
export const SC_PLACEMENTS = linkedLayout(D.SC_PLACEMENTS);
export const DELAYED_TRANSFERS = linkedLayout(D.DELAYED_TRANSFERS);
export const DEATHS = byNhsNumberLayout(D.DEATHS);

/** A postcode's area is refused when it names a locality that is not an organisation of that kind. */
async function knownLocality(ctx: ChunkContext): Promise<(r: CsvRow) => RowReject | null> {
  const localities = new Set(
    (
      await ctx.q.query<{ org_code: string }>("SELECT org_code FROM organisation WHERE kind = 'locality'")
    ).map((r) => r.org_code),
  );
  return (r) => {
    const locality = r.values.locality_code;
    return locality && !localities.has(String(locality))
      ? {
          row: r,
          column: "locality_code",
          reason: "locality_code: no such locality organisation (load organisations first)",
        }
      : null;
  };
}

const POSTCODE_CONFLICTS = {
  area: `ON CONFLICT (area_code) DO UPDATE SET name = excluded.name, locality_code = excluded.locality_code,
       imd_decile = excluded.imd_decile
     WHERE (area.name, area.locality_code, area.imd_decile) IS DISTINCT FROM
           (excluded.name, excluded.locality_code, excluded.imd_decile)`,
  postcode_area: `ON CONFLICT (postcode) DO UPDATE SET area_code = excluded.area_code
     WHERE postcode_area.area_code IS DISTINCT FROM excluded.area_code`,
};

export const POSTCODE_AREAS = referenceLayout(D.POSTCODE_AREAS, POSTCODE_CONFLICTS, knownLocality);

export const CSV_LAYOUTS: readonly CsvLayout[] = [
  GP_PATIENTS,
  GP_REGISTRATIONS,
  GP_CODED_RECORD,
  SC_CLIENTS,
  SC_ASSESSMENTS,
  SC_SERVICES,
  SC_PLACEMENTS,
  DELAYED_TRANSFERS,
  DEATHS,
  POSTCODE_AREAS,
];

export function layoutByName(name: string): CsvLayout | undefined {
  return CSV_LAYOUTS.find((l) => l.name === name);
}

/** The layout whose columns a header has: every required column, and nothing it does not know. */
export function detectLayout(header: readonly string[]): CsvLayout | undefined {
  const names = new Set(header);
  const fits = CSV_LAYOUTS.filter(
    (l) =>
      l.columns.every((c) => !c.required || names.has(c.name)) &&
      header.every((h) => l.columns.some((c) => c.name === h)),
  );
  return fits.length === 1 ? fits[0] : undefined;
}
