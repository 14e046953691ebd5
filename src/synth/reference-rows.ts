import type { CopyValue, TableShape } from "../store/index.ts";
import type { GenerationContext } from "./context.ts";
import { SOURCE_SYSTEM } from "./source-systems.ts";
import { AREA, ORGANISATION, SITE } from "./table-shapes.ts";
import { formatInstant, instant } from "./timestamps.ts";

/** Organisations (parents first), their sites and the small areas, as rows. */
export function referenceRows(ctx: GenerationContext): [TableShape, CopyValue[]][] {
  const { place } = ctx;
  const receivedAt = formatInstant(instant(ctx.historyStart, 0));
  const source = SOURCE_SYSTEM.reference;
  const rows: [TableShape, CopyValue[]][] = [];
  const organisation = (
    code: string,
    name: string,
    kind: string,
    parent: string | null,
    postcode: string,
    openedOn: string | null,
    careHomeType: string | null = null,
  ) =>
    rows.push([
      ORGANISATION,
      [code, name, kind, parent, postcode, openedOn, null, careHomeType, source, receivedAt],
    ]);

  organisation(place.ccg.code, place.ccg.name, "ccg", null, place.ccg.postcode, "2013-04-01");
  organisation(place.council.code, place.council.name, "council", null, place.council.postcode, null);
  organisation(place.acute.code, place.acute.name, "acute", null, place.acute.postcode, null);
  organisation(place.community.code, place.community.name, "community", null, place.community.postcode, null);
  organisation(
    place.mentalHealth.code,
    place.mentalHealth.name,
    "mental-health",
    null,
    place.mentalHealth.postcode,
    null,
  );
  organisation(place.ambulance.code, place.ambulance.name, "ambulance", null, place.ambulance.postcode, null);
  for (const l of place.localities)
    organisation(l.code, l.name, "locality", place.ccg.code, l.postcode, null);
  for (const p of place.practices) {
    organisation(p.code, p.name, "practice", place.localities[p.localityIndex].code, p.postcode, null);
  }
  for (const h of place.careHomes) {
    organisation(h.code, h.name, "care-home", place.council.code, h.postcode, null, h.careType);
  }
  for (const s of place.sites) rows.push([SITE, [s.code, s.orgCode, s.name, s.postcode, source, receivedAt]]);
  for (const a of place.areas) {
    rows.push([AREA, [a.code, a.name, place.localities[a.localityIndex].code, a.imdDecile, source]]);
  }
  return rows;
}
