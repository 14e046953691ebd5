// Building blocks for the care capability's tests and benchmarks: a person on a risk register, a joint plan
// with a lead professional (synthetic values only).
import { buildAdt } from "../../src/ingest/index.ts";
import type { Queryable } from "../../src/store/index.ts";
import { ORGS, type TestPerson } from "../governance/fixtures.ts";

export async function putOnRegister(
  db: Queryable,
  personId: string,
  orgCode: string = ORGS.practice,
): Promise<void> {
  await db.query(
    `INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on) VALUES ($1, 'high-risk', $2, '2015-01-01')`,
    [personId, orgCode],
  );
}

export async function leadPlan(
  db: Queryable,
  personId: string,
  role: string,
  orgCode: string,
): Promise<void> {
  await db.query(
    `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, lead_professional_role, lead_org_code,
       source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), 'joint-health-social', '2015-01-01', $2, $3, 'test', gen_random_uuid()::text, now())`,
    [personId, role, orgCode],
  );
}

/**
 * An ADT A01 from the acute trust's PAS, sent at `at`: `person` admitted as an emergency to the assessment unit
 * (AMU) `minutesAgo` minutes before, under the trust's record `recordId` and visit `visitNumber`.
 */
export function emergencyA01(
  person: TestPerson,
  {
    at,
    controlId,
    recordId,
    visitNumber,
    minutesAgo,
  }: { at: Date; controlId: string; recordId: string; visitNumber: string; minutesAgo: number },
): string {
  return buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: ORGS.acute,
    controlId,
    trigger: "A01",
    messageTime: at.toISOString(),
    patient: {
      recordId,
      authority: ORGS.acute,
      nhsNumber: person.nhsNumber,
      family: person.familyName,
      given: person.givenName,
      birthDate: person.birthDate,
      sex: "female",
      postcode: person.postcode,
    },
    visit: {
      visitNumber,
      patientClass: "I",
      admissionType: "21",
      specialty: "300",
      site: "ZZA01001",
      ward: "AMU",
      admitAt: new Date(at.getTime() - minutesAgo * 60_000).toISOString(),
    },
  });
}
