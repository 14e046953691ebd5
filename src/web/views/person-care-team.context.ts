// The Care team tab: each relationship in words (registration, caseload, care team, referral, admission,
// lead professional), current first, each with its source.
import type { CareTeamEntry, PersonPageBase } from "../../governance/index.ts";
import { longdate } from "../../platform/index.ts";
import {
  bannerContext,
  personBreadcrumbs,
  personTitle,
  provenanceText,
  sectionsContext,
} from "./partials/person-banner.context.ts";

const WHY: Record<CareTeamEntry["why"], string> = {
  registration: "Registered with the practice",
  caseload: "On their caseload",
  "care-team": "Part of the care team",
  referral: "Referred to the team",
  admission: "Hospital admission",
  "lead-professional": "Lead professional for a care plan",
};

function rowOf(e: CareTeamEntry) {
  const who = [e.professional?.replaceAll("-", " "), e.team].filter(Boolean).join(", ");
  return [
    { text: who },
    { text: `${WHY[e.why]}${e.detail ? ` (${e.detail})` : ""}` },
    { text: `${longdate(e.from)}${e.to ? ` to ${longdate(e.to)}` : ""}` },
    { text: provenanceText(e.provenance) },
  ];
}

export function careTeamContext(page: PersonPageBase & { careTeam: CareTeamEntry[] }) {
  const person = bannerContext(page.banner, page, page.today);
  return {
    title: personTitle(person, "care-team"),
    breadcrumbs: personBreadcrumbs(person, "care-team"),
    person,
    sections: sectionsContext(person.personId, "care-team"),
    careTeam: {
      current: page.careTeam.filter((e) => e.current).map(rowOf),
      past: page.careTeam.filter((e) => !e.current).map(rowOf),
    },
  };
}
