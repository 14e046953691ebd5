// Example contexts for citizen-record-access.njk: accesses (one in an emergency, one refused) over pages, and none.
import { recordAccessContext } from "./citizen.context.ts";
import { ACCESS, PERSON, SIGNED_IN } from "./citizen.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";

const shell = SIGNED_IN("/citizen/record-access");
export const fixtures: ViewFixture[] = [
  { name: "accesses over two pages", context: { ...shell, ...recordAccessContext(ACCESS) } },
  {
    name: "nobody has looked",
    context: {
      ...shell,
      ...recordAccessContext({ person: PERSON, accesses: [], total: 0, page: 1, pageSize: 25 }),
    },
  },
];
