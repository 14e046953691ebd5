// Example contexts for person-sharing-done.njk: each kind of change confirmed.
import type { ViewFixture } from "./fixtures.ts";
import { exampleSharing } from "./ig-fixture-data.ts";
import { sharingDoneContext } from "./person-sharing.context.ts";

export const fixtures: ViewFixture[] = [
  { name: "objection recorded", context: sharingDoneContext(exampleSharing(), "record-objection") },
  { name: "opt-out withdrawn", context: sharingDoneContext(exampleSharing(), "withdraw-opt-out") },
];
