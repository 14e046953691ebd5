// Example contexts for mdt-person.njk: a person recorded with actions, one not yet discussed, an error.
import { SAMPLE_STAFF } from "./care.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { mdtPersonContext } from "./mdt.context.ts";
import { NEW_PERSON_PAGE, SAMPLE_PERSON_PAGE } from "./mdt.fixtures-data.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "recorded, with actions",
    context: mdtPersonContext(SAMPLE_PERSON_PAGE, SAMPLE_STAFF, { csrf: "csrf-token" }),
  },
  {
    name: "not yet discussed, no plan",
    context: mdtPersonContext(NEW_PERSON_PAGE, SAMPLE_STAFF, { csrf: "csrf-token" }),
  },
  {
    name: "an action without an owner",
    context: mdtPersonContext(NEW_PERSON_PAGE, SAMPLE_STAFF, {
      csrf: "csrf-token",
      errors: [{ text: "Enter who owns the action. Every action needs a named owner." }],
      form: {
        description: "Refer to the falls service",
        owner: "",
        organisation: "Riverside practice",
        dueDay: "20",
        dueMonth: "3",
        dueYear: "2026",
      },
    }),
  },
];
