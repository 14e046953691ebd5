// Example contexts for person-sharing-confirm.njk: recording an objection, withdrawing an opt-out.
import type { ViewFixture } from "./fixtures.ts";
import { exampleSharing } from "./ig-fixture-data.ts";
import { sharingConfirmContext } from "./person-sharing.context.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "record an objection",
    context: sharingConfirmContext(
      exampleSharing(),
      { kind: "record-objection", on: "2015-03-27", source: "In person at the practice", recordId: null },
      {
        change: "record-objection",
        day: "27",
        month: "3",
        year: "2015",
        source: "In person at the practice",
      },
      "token",
    ),
  },
  {
    name: "withdraw an opt-out",
    context: sharingConfirmContext(
      exampleSharing(),
      {
        kind: "withdraw-opt-out",
        on: "2015-04-01",
        source: null,
        recordId: "4b6c7d8e-9f01-4a2b-8c3d-4e5f60718293",
      },
      { change: "withdraw-opt-out", day: "1", month: "4", year: "2015" },
      "token",
    ),
  },
];
