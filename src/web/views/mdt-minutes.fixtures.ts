// Example contexts for mdt-minutes.njk: minutes with attendance and actions, and a meeting with nobody on it.
import type { ViewFixture } from "./fixtures.ts";
import { minutesContext } from "./mdt.context.ts";
import { EMPTY_VIEW, SAMPLE_VIEW } from "./mdt.fixtures-data.ts";

export const fixtures: ViewFixture[] = [
  { name: "minutes of two people", context: minutesContext(SAMPLE_VIEW, "2026-03-11") },
  { name: "nobody on the agenda", context: minutesContext(EMPTY_VIEW, "2026-03-11") },
];
