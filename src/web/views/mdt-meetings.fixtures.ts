// Example contexts for mdt-meetings.njk: a team with meetings, and one with none yet.
import type { ViewFixture } from "./fixtures.ts";
import { meetingsContext } from "./mdt.context.ts";
import { SAMPLE_MEETING_SUMMARY } from "./mdt.fixtures-data.ts";

export const fixtures: ViewFixture[] = [
  { name: "a team's meetings", context: meetingsContext([SAMPLE_MEETING_SUMMARY], "Riverside practice") },
  { name: "no meetings yet", context: meetingsContext([], "Riverside practice") },
];
