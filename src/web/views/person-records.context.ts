// The Records tab: each linked source record's demographics as that source holds them, with every value
// that differs from the golden record marked in words (not colour alone).
import type { PersonPageBase, SourceRecord } from "../../governance/index.ts";
import { longdate } from "../../platform/index.ts";
import {
  bannerContext,
  fullName,
  instantText,
  nhsNumberText,
  personBreadcrumbs,
  personTitle,
  sectionsContext,
} from "./partials/person-banner.context.ts";

export function recordsContext(page: PersonPageBase & { records: SourceRecord[] }) {
  const person = bannerContext(page.banner, page, page.today);
  const b = page.banner;
  const mark = (value: string, same: boolean) => ({ text: same ? value : `${value} (differs)` });
  const norm = (s: string | null) => (s ?? "").replaceAll(/\s/g, "").toUpperCase();
  return {
    title: personTitle(person, "records"),
    breadcrumbs: personBreadcrumbs(person, "records"),
    person,
    sections: sectionsContext(person.personId, "records"),
    records: {
      rows: page.records.map((r) => [
        { text: `${r.sourceSystem}, record ${r.sourceRecordId}` },
        mark(r.nhsNumber ? nhsNumberText(r.nhsNumber) : "Not recorded", r.nhsNumber === b.nhsNumber),
        mark(
          fullName(r.givenName, r.familyName),
          norm(r.givenName) === norm(b.givenName) && norm(r.familyName) === norm(b.familyName),
        ),
        mark(r.birthDate ? longdate(r.birthDate) : "Not recorded", r.birthDate === b.birthDate),
        mark(r.sex ?? "Not recorded", r.sex === b.sex),
        mark(r.postcode ?? "Not recorded", norm(r.postcode) === norm(b.postcode)),
        { text: instantText(r.receivedAt) },
      ]),
    },
  };
}
