// Example contexts for rejects.njk: nothing waiting, a filtered page, a filter that matches nothing, and the list
// after a replay of every open reject a source had (some refused again; all accepted).
import { CSRF, CSV_REJECT, NOW, REJECT } from "./backoffice.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { rejectsContext } from "./rejects.context.ts";

const strip = ({ payload: _p, context: _c, ...r }: typeof REJECT) => r;
const sources = ["acute-pas", "social-care"];

export const fixtures: ViewFixture[] = [
  { name: "nothing waiting", context: rejectsContext({ rejects: [], total: 0, sources: [] }, {}, NOW, CSRF) },
  {
    name: "all statuses, first of two pages",
    context: rejectsContext(
      { rejects: [strip(REJECT), strip(CSV_REJECT)], total: 70, sources },
      { status: "all" },
      NOW,
      CSRF,
    ),
  },
  {
    name: "a filter that matches nothing",
    context: rejectsContext(
      { rejects: [], total: 0, sources },
      { source: "acute-pas", reason: "PV1-99" },
      NOW,
      CSRF,
    ),
  },
  {
    name: "a source's open rejects replayed, two refused again",
    context: rejectsContext(
      { rejects: [strip(CSV_REJECT), strip(CSV_REJECT)], total: 2, sources },
      { source: "social-care", accepted: 12_480, of: 12_482 },
      NOW,
      CSRF,
    ),
  },
  {
    name: "every open reject replayed and accepted",
    context: rejectsContext({ rejects: [], total: 0, sources }, { accepted: 3, of: 3 }, NOW, CSRF),
  },
];
