// Example contexts for mdt-agenda.njk: an agenda with attendance and someone withheld, an empty one, an error.
import type { ViewFixture } from "./fixtures.ts";
import { agendaContext } from "./mdt.context.ts";
import { EMPTY_VIEW, SAMPLE_VIEW } from "./mdt.fixtures-data.ts";

export const fixtures: ViewFixture[] = [
  { name: "an agenda of two, one recorded", context: agendaContext(SAMPLE_VIEW, { csrf: "csrf-token" }) },
  { name: "an empty agenda", context: agendaContext(EMPTY_VIEW, { csrf: "csrf-token" }) },
  {
    name: "a person who could not be added",
    context: agendaContext(SAMPLE_VIEW, {
      csrf: "csrf-token",
      errors: [{ text: "Enter the person's 10-digit NHS Number. For example, 943 476 5919." }],
      nhsNumber: "12345",
    }),
  },
];
