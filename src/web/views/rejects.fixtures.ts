// Example contexts for rejects.njk: nothing waiting, a filtered page, and a filter that matches nothing.
import { CSV_REJECT, NOW, REJECT } from "./backoffice.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { rejectsContext } from "./rejects.context.ts";

const strip = ({ payload: _p, context: _c, ...r }: typeof REJECT) => r;
const sources = ["acute-pas", "social-care"];

export const fixtures: ViewFixture[] = [
  { name: "nothing waiting", context: rejectsContext({ rejects: [], total: 0, sources: [] }, {}, NOW) },
  {
    name: "all statuses, first of two pages",
    context: rejectsContext(
      { rejects: [strip(REJECT), strip(CSV_REJECT)], total: 70, sources },
      { status: "all" },
      NOW,
    ),
  },
  {
    name: "a filter that matches nothing",
    context: rejectsContext(
      { rejects: [], total: 0, sources },
      { source: "acute-pas", reason: "PV1-99" },
      NOW,
    ),
  },
];
