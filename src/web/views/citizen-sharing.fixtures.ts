// Example contexts for citizen-sharing.njk: sharing (with the consequences of objecting), objecting, just
// recorded, withdrawn with another organisation's still in force, and no practice to hold an objection.
import { sharingContext } from "./citizen.context.ts";
import { HELD_BY_OTHERS, OBJECTING, SHARING, SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const shell = SIGNED_IN("/citizen/sharing");
export const fixtures: ViewFixture[] = [
  { name: "shared, may object", context: { ...shell, ...sharingContext(SHARING, null) } },
  { name: "objection just recorded", context: { ...shell, ...sharingContext(OBJECTING, "recorded") } },
  {
    name: "own objection withdrawn, one held by the council still in force",
    context: { ...shell, ...sharingContext(HELD_BY_OTHERS, "withdrawn") },
  },
  {
    name: "no practice to hold it",
    context: {
      ...shell,
      ...sharingContext(
        {
          ...SHARING,
          person: { ...SHARING.person, practice: null },
          cannotRecord:
            "You are not registered with a GP practice we know, so there is no organisation to hold your objection.",
        },
        null,
      ),
    },
  },
];
