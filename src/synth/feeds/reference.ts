import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "../../ingest/index.ts";
import type { Place } from "../place.ts";
import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FeedLine } from "./feed-files.ts";
import { odsIdentifier } from "./fhir.ts";
import type { PersonRows, Row } from "./person-rows.ts";

// Reference data: organisations and sites as FHIR Organization (the ODS's view), the small areas with every
// postcode people live at (a postcode directory's), and the PAS's ward-kind code map.

/** An organisation or site row as a FHIR Organization. */
export function organisationResource(o: Row, site: boolean) {
  const kind = site ? "site" : String(o.kind);
  const code = site ? o.site_code : o.org_code;
  const partOf = site ? o.org_code : o.parent_code;
  const period =
    o.opened_on || o.closed_on ? { start: o.opened_on ?? undefined, end: o.closed_on ?? undefined } : null;
  return {
    resourceType: "Organization",
    id: code,
    meta: { lastUpdated: o.received_at },
    ...(period ? { extension: [{ url: FHIR_EXTENSIONS.operationalPeriod, valuePeriod: period }] } : {}),
    identifier: [odsIdentifier(code)],
    type: [
      { coding: [{ system: FHIR_SYSTEMS.organisationKind, code: kind }] },
      ...(o.care_home_type
        ? [{ coding: [{ system: FHIR_SYSTEMS.careHomeType, code: o.care_home_type }] }]
        : []),
    ],
    name: o.name,
    ...(o.postcode ? { address: [{ postalCode: o.postcode }] } : {}),
    ...(partOf ? { partOf: { identifier: odsIdentifier(partOf) } } : {}),
  };
}

/** What the reference files need from the whole place, gathered while its people go by. */
export class ReferenceData {
  readonly #areas: Row[] = [];
  /** Postcodes people live at (care homes included) with their small area, as a postcode directory gives them. */
  readonly #livedAt = new Map<string, string>();
  readonly #wardKinds = new Map<string, string>();

  addArea(area: Row): void {
    this.#areas.push(area);
  }

  addPerson(p: PersonRows, wardKinds: Iterable<[string, string]>): void {
    const { postcode, area_code } = p.person;
    if (postcode && area_code) this.#livedAt.set(String(postcode), String(area_code));
    for (const [ward, kind] of wardKinds) this.#wardKinds.set(ward, kind);
  }

  /** The postcode directory and the code map, once every person has gone by. */
  lines(place: Place): FeedLine[] {
    const postcodesOf = new Map<string, Set<string>>(place.areas.map((a) => [a.code, new Set(a.postcodes)]));
    for (const [postcode, area] of this.#livedAt) postcodesOf.get(area)?.add(postcode);
    const lines: FeedLine[] = [];
    for (const a of this.#areas) {
      for (const postcode of [...(postcodesOf.get(String(a.area_code)) ?? [])].sort()) {
        lines.push(["postcodes", { ...a, postcode, area_name: a.name }]);
      }
    }
    for (const [ward, kind] of [...this.#wardKinds].sort()) {
      lines.push([
        "codeMap",
        { source_system: S.acute, map_name: "ward-kind", source_code: ward, target_code: kind },
      ]);
    }
    return lines;
  }
}
