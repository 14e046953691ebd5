// Example contexts for person-care-team.njk: current and past relationships, and none at all.
import type { CareTeamEntry } from "../../governance/index.ts";
import type { ViewFixture } from "./fixtures.ts";
import { QUIET_BANNER, SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";
import { careTeamContext } from "./person-care-team.context.ts";

const provenance = {
  sourceSystem: "oneplace-care",
  sourceRecordId: "R1",
  receivedAt: "2016-01-05T10:00:00Z",
};
const entries: CareTeamEntry[] = [
  {
    why: "registration",
    team: "Riverside Surgery",
    teamCode: "Z90001",
    professional: null,
    detail: "registered practice",
    from: "1998-02-01",
    to: null,
    current: true,
    provenance,
  },
  {
    why: "caseload",
    team: "Community Nursing Grays",
    teamCode: "cn-grays",
    professional: "Nurse Ada Jones",
    detail: null,
    from: "2015-06-01",
    to: null,
    current: true,
    provenance,
  },
  {
    why: "referral",
    team: "Reablement",
    teamCode: "reablement",
    professional: null,
    detail: "Riverside Surgery, reablement, completed",
    from: "2015-01-10",
    to: "2015-02-20",
    current: false,
    provenance,
  },
];

export const fixtures: ViewFixture[] = [
  {
    name: "current and past relationships",
    context: careTeamContext({ ...samplePage(SAMPLE_BANNER), careTeam: entries }),
  },
  { name: "no relationships", context: careTeamContext({ ...samplePage(QUIET_BANNER), careTeam: [] }) },
];
