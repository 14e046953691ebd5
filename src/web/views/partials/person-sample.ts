// Example facts for the person pages' fixtures: a frail older person with a long history, and a person with
// nothing recorded but their registration. Synthetic: test-range NHS Number, Z9/ZZ organisation codes.
import type { PersonBannerFacts, PersonPageBase, PersonSummaryFacts } from "../../../governance/index.ts";

const received = "2016-04-02T09:00:00Z";
const prov = (sourceSystem: string, sourceRecordId: string) => ({
  sourceSystem,
  sourceRecordId,
  receivedAt: received,
});

export const SAMPLE_BANNER: PersonBannerFacts = {
  personId: "3f2b8c1e-5d4a-4b6c-9e7f-0a1b2c3d4e5f",
  nhsNumber: "9990001237",
  givenName: "Edith",
  familyName: "Marsh",
  birthDate: "1931-06-14",
  sex: "female",
  postcode: "RM17 6ZZ",
  practice: { code: "Z90001", name: "Riverside Surgery", registeredOn: "1998-02-01" },
  provenance: prov("pds", "9990001237"),
  died: null,
  objectionHolders: [],
  registers: [{ registerId: "high-risk", orgCode: "Z90001", joinedOn: "2015-10-01" }],
  inHospital: {
    provider: { code: "ZZA01", name: "Basildon Hospital" },
    admittedAt: "2016-03-28T22:15:00Z",
    provenance: prov("pas-zza01", "S123"),
  },
  leadProfessionals: [
    {
      role: "community-matron",
      organisation: { code: "ZZC01", name: "Community Nursing" },
      planType: "joint-health-social",
    },
  ],
};

export const QUIET_BANNER: PersonBannerFacts = {
  ...SAMPLE_BANNER,
  personId: "4a2b8c1e-5d4a-4b6c-9e7f-0a1b2c3d4e60",
  nhsNumber: null,
  givenName: "Sam",
  familyName: "Quiet",
  birthDate: "1990-01-01",
  sex: "unknown",
  postcode: null,
  practice: null,
  registers: [],
  inHospital: null,
  leadProfessionals: [],
};

export function samplePage(
  banner: PersonBannerFacts,
  overrides: Partial<PersonPageBase> = {},
): PersonPageBase {
  return {
    banner,
    disclosure: "identifiable",
    relationship: "registered",
    breakGlassId: null,
    today: "2016-04-01",
    ...overrides,
  };
}

export const SAMPLE_SUMMARY: PersonSummaryFacts = {
  asOf: "2016-03-31",
  scoredAt: "2016-04-01T02:00:00Z",
  risk: {
    tier: "very-high",
    probability: 0.412,
    percentile: 99.4,
    modelVersion: 3,
    hiu: true,
    factors: [
      { label: "Emergency admissions in the last 12 months", value: "3", oddsRatio: 2.4 },
      { label: "Aged 85 or over", value: "yes", oddsRatio: 1.8 },
      { label: "eFI deficits", value: "11", oddsRatio: 1.5 },
    ],
  },
  efi: {
    category: "moderate",
    deficitCount: 11,
    score: 11 / 36,
    deficits: [
      {
        id: "falls",
        name: "Falls",
        firstOn: "2014-02-03",
        evidence: "Falls (snomed 161898004)",
        provenance: prov("gp-z90001", "E1"),
      },
      {
        id: "heart-failure",
        name: "Heart failure",
        firstOn: "2011-07-19",
        evidence: "Heart failure (snomed 84114007)",
        provenance: prov("gp-z90001", "E2"),
      },
      {
        id: "polypharmacy",
        name: "Polypharmacy",
        firstOn: "2015-05-01",
        evidence: "7 different medicines issued in the 12 months",
        provenance: null,
      },
    ],
  },
  longTermConditions: [
    {
      id: "heart-failure",
      name: "Heart failure",
      firstOn: "2011-07-19",
      evidence: "Heart failure (snomed 84114007)",
      provenance: prov("gp-z90001", "E2"),
    },
  ],
  medicines: [
    {
      name: "Furosemide 40mg tablets",
      code: "317972000",
      lastIssuedOn: "2016-03-01",
      repeat: true,
      issues: 6,
      provenance: prov("gp-z90001", "M1"),
    },
  ],
  medicinesWindow: { from: "2015-09-01", to: "2016-03-01" },
  socialCare: [
    {
      serviceType: "home-care",
      startedOn: "2015-11-02",
      funding: "council",
      hoursPerWeek: 10.5,
      provenance: prov("council-lcs", "SC1"),
    },
  ],
  careHome: null,
  reviews: [
    {
      planType: "joint-health-social",
      reviewDueOn: "2016-03-15",
      leadRole: "community-matron",
      leadOrganisation: { code: "ZZC01", name: "Community Nursing" },
      overdue: true,
      provenance: prov("oneplace-care", "CP1"),
    },
  ],
};

export const EMPTY_SUMMARY: PersonSummaryFacts = {
  asOf: null,
  scoredAt: null,
  risk: null,
  efi: null,
  longTermConditions: [],
  medicines: [],
  medicinesWindow: null,
  socialCare: [],
  careHome: null,
  reviews: [],
};
