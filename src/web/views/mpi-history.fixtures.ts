// Example contexts for mpi-history.njk: a person with records, merges and decisions; the merge form with
// errors; a person merged away.
import { CSRF, HISTORY } from "./backoffice.fixtures-data.ts";
import type { ViewFixture } from "./fixtures.ts";
import { mpiHistoryContext } from "./mpi-history.context.ts";

export const fixtures: ViewFixture[] = [
  {
    name: "a person with merges and decisions",
    context: mpiHistoryContext(HISTORY, CSRF, { done: "merged" }),
  },
  {
    name: "the merge form with errors",
    context: mpiHistoryContext(HISTORY, CSRF, {
      merge: {
        retired: "not-an-id",
        reason: "",
        errors: {
          retired: "Enter the other person's id, like 3f2c9a4e-1b7d-4c8e-9a01-5d6e7f809a1b",
          reason: "Enter the reason for the merge (at least 5 characters)",
        },
      },
    }),
  },
  {
    name: "an unmerge with an error",
    context: mpiHistoryContext(HISTORY, CSRF, {
      unmerge: {
        mergeId: HISTORY.merges[0].mergeId,
        reason: "x",
        error: "Enter why you are undoing the merge",
      },
    }),
  },
  {
    name: "a person merged away (empty)",
    context: mpiHistoryContext({ ...HISTORY, person: null, records: [], decisions: [], merges: [] }, CSRF),
  },
];
