// Example contexts for person-sharing.njk: nothing recorded, current and withdrawn records, errors, a role
// that may not change them.
import type { ViewFixture } from "./fixtures.ts";
import { exampleSharing } from "./ig-fixture-data.ts";
import { sharingContext } from "./person-sharing.context.ts";

const objection = {
  objectionId: "3b6c7d8e-9f01-4a2b-8c3d-4e5f60718293",
  holdingOrgCode: "Z90001",
  holdingOrgName: "Riverside (synthetic)",
  recordedOn: "2015-03-27",
  withdrawnOn: null,
  source: "In person at the practice",
  sourceSystem: "oneplace-web",
  receivedAt: "2015-03-27T10:00:00Z",
};
const optOut = {
  optOutId: "4b6c7d8e-9f01-4a2b-8c3d-4e5f60718293",
  recordedOn: "2014-01-02",
  withdrawnOn: "2015-01-02",
  source: "National data opt-out service",
  sourceSystem: "ndop",
  receivedAt: "2014-01-03T10:00:00Z",
};

export const fixtures: ViewFixture[] = [
  { name: "nothing recorded", context: sharingContext(exampleSharing(), "token") },
  {
    name: "a current objection, another organisation's, and a withdrawn opt-out",
    context: sharingContext(
      exampleSharing({
        objections: [
          objection,
          {
            ...objection,
            objectionId: "5b6c7d8e-9f01-4a2b-8c3d-4e5f60718293",
            holdingOrgCode: "ZZS01",
            holdingOrgName: "Synthetic council",
          },
        ],
        optOuts: [optOut],
      }),
      "token",
    ),
  },
  {
    name: "the form sent with problems",
    context: sharingContext(exampleSharing(), "token", {
      change: "record-objection",
      day: "31",
      month: "2",
      year: "2015",
      errors: {
        date: "The date must be a real date, like 27 3 2015",
        source: "Enter how the person told us, for example in person at the practice",
      },
    }),
  },
  {
    name: "a role that may not record changes",
    context: sharingContext(
      exampleSharing({
        changeRefusal:
          "break-glass lets you read the record in an emergency, not change the person's sharing choices",
      }),
      "token",
    ),
  },
];
