// Example contexts for person-records.njk: linked records that differ from the golden record, and none.
import type { ViewFixture } from "./fixtures.ts";
import { QUIET_BANNER, SAMPLE_BANNER, samplePage } from "./partials/person-sample.ts";
import { recordsContext } from "./person-records.context.ts";

const same = {
  sourceSystem: "gp-z90001",
  sourceRecordId: "P1",
  receivedAt: "2016-04-02T09:00:00Z",
  nhsNumber: "9990001237",
  familyName: "Marsh",
  givenName: "Edith",
  birthDate: "1931-06-14",
  sex: "female",
  postcode: "RM17 6ZZ",
};

export const fixtures: ViewFixture[] = [
  {
    name: "three sources, one with faults",
    context: recordsContext({
      ...samplePage(SAMPLE_BANNER),
      records: [
        same,
        { ...same, sourceSystem: "pas-zza01", sourceRecordId: "MRN1" },
        {
          ...same,
          sourceSystem: "council-lcs",
          sourceRecordId: "C77",
          nhsNumber: null,
          familyName: "Marsch",
          postcode: "RM17 6ZY",
        },
      ],
    }),
  },
  { name: "no linked records", context: recordsContext({ ...samplePage(QUIET_BANNER), records: [] }) },
];
