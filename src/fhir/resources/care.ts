// CarePlan, ServiceRequest and EpisodeOfCare from the care capability's records. CarePlan (a joint plan in its
// latest version) and ServiceRequest (a referral) are rendered by the care capability's own FHIR renderers
// (src/care/fhir.ts, reached through src/care/index.ts) from the plans and referrals it reads: the subquery here
// only finds which records a search or read names, and the renderer makes them resources. EpisodeOfCare is the
// episode a referral opened (reablement and the like: started when the team took the person on, ended at
// discharge), mapped from the referral row itself.
import {
  carePlanResource,
  careTeamResource,
  planActionTasks,
  readPlansOfPeople,
  readReferralsOfPeople,
  referralTask,
  serviceRequestResource,
} from "../../care/index.ts";
import { isUuid } from "../../core/ids.ts";
import type { Queryable } from "../../store/index.ts";
import type { SqlParams } from "../sql.ts";
import { LOCAL, ODS_ORGANISATION_SYSTEM } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import {
  BY_PERSON_NEWEST_FIRST,
  coding,
  compact,
  dateParam,
  meta,
  organisationRef,
  patientAndSubject,
  patientParam,
  tokenParam,
  utcDay,
} from "./common.ts";

const DAY = utcDay;

/**
 * Renders a type's rows with the care capability's reader and renderer, in the rows' order: the records of all the
 * rows' people read in one statement (a Bulk Data batch names thousands; one statement each cost more than the rest
 * of the export's reads of the type).
 */
function renderByPerson<T>(
  read: (db: Queryable, personIds: string[]) => Promise<Map<string, T[]>>,
  idOf: (record: T) => string,
  render: (record: T) => unknown,
) {
  return async (db: Queryable, rows: SourceRow[]): Promise<FhirResource[]> => {
    const byId = new Map<string, T>();
    const people = [...new Set(rows.map((r) => String(r.person_id)))];
    for (const records of (await read(db, people)).values())
      for (const record of records) byId.set(idOf(record), record);
    return rows.flatMap((row) => {
      const record = byId.get(String(row.id));
      return record ? [render(record) as FhirResource] : [];
    });
  };
}

const carePlanSource = `
  SELECT v.plan_id AS id, v.person_id, v.saved_at AS at, v.saved_at AS last_updated,
         CASE v.status WHEN 'draft' THEN 'draft' WHEN 'signed-off' THEN 'active' ELSE 'completed' END AS status
    FROM care_plan_version v
   WHERE NOT EXISTS (SELECT 1 FROM care_plan_version n
                      WHERE n.person_id = v.person_id AND n.plan_id = v.plan_id AND n.version > v.version)`;

export const CARE_PLAN: ResourceType = {
  type: "CarePlan",
  ...BY_PERSON_NEWEST_FIRST,
  source: carePlanSource,
  profile: "http://hl7.org/fhir/StructureDefinition/CarePlan",
  params: {
    ...patientAndSubject(),
    status: tokenParam(null, "r.status", "draft, active (signed off) or completed (ended)"),
    date: dateParam("r.at", "when the plan's latest version was saved"),
  },
  render: renderByPerson(
    readPlansOfPeople,
    (plan) => plan.planId,
    (plan) => carePlanResource(plan),
  ),
};

// The referrals the care capability reads (those to a known team), and their ServiceRequest status.
const referralSource = `
  SELECT r.referral_id AS id, r.person_id, ${DAY("r.referred_on")} AS at, r.received_at AS last_updated,
         CASE r.outcome WHEN 'declined' THEN 'revoked' WHEN 'withdrawn' THEN 'revoked' WHEN 'completed' THEN 'completed'
              ELSE 'active' END AS status,
         r.service, r.episode_started_on, r.episode_ended_on, t.org_code
    FROM referral r JOIN team t ON t.team_id = r.to_team_id`;

export const SERVICE_REQUEST: ResourceType = {
  type: "ServiceRequest",
  ...BY_PERSON_NEWEST_FIRST,
  source: referralSource,
  profile: "http://hl7.org/fhir/StructureDefinition/ServiceRequest",
  params: {
    ...patientAndSubject(),
    status: tokenParam(null, "r.status", "active, completed or revoked"),
    authored: dateParam("r.at", "when the referral was made"),
  },
  render: renderByPerson(
    readReferralsOfPeople,
    (referral) => referral.referralId,
    (referral) => serviceRequestResource(referral),
  ),
};

const episodeSource = `
  SELECT r.referral_id AS id, r.person_id, ${DAY("r.episode_started_on")} AS at, r.received_at AS last_updated,
         CASE WHEN r.episode_ended_on IS NULL THEN 'active' ELSE 'finished' END AS status,
         r.service, r.episode_started_on AS started, r.episode_ended_on AS ended, t.org_code
    FROM referral r JOIN team t ON t.team_id = r.to_team_id
   WHERE r.episode_started_on IS NOT NULL`;

function toEpisode(row: SourceRow): FhirResource {
  return compact({
    resourceType: "EpisodeOfCare",
    id: row.id,
    meta: meta(row),
    status: row.status as string,
    type: [{ coding: [coding(LOCAL.careService, row.service as string)], text: row.service as string }],
    patient: { reference: `Patient/${row.person_id}` },
    managingOrganization: row.org_code ? organisationRef(row.org_code, ODS_ORGANISATION_SYSTEM) : undefined,
    period: compact({ start: row.started as string, end: (row.ended as string | null) ?? undefined }),
    referralRequest: [{ reference: `ServiceRequest/${row.id}` }],
  }) as FhirResource;
}

export const EPISODE_OF_CARE: ResourceType = {
  type: "EpisodeOfCare",
  ...BY_PERSON_NEWEST_FIRST,
  source: episodeSource,
  profile: "http://hl7.org/fhir/StructureDefinition/EpisodeOfCare",
  params: {
    patient: patientParam(),
    status: tokenParam(null, "r.status", "active or finished"),
    date: dateParam("r.at", "when the episode started"),
  },
  toFhir: toEpisode,
};

// CareTeam: each plan's accountable lead professional and contributors (in its latest version), rendered by the
// care capability as the team of that plan, with the id careteam-<plan id>.
const careTeamSource = `
  SELECT 'careteam-' || v.plan_id AS id, v.plan_id, v.person_id, v.saved_at AS at, v.saved_at AS last_updated,
         CASE v.status WHEN 'ended' THEN 'inactive' ELSE 'active' END AS status
    FROM care_plan_version v
   WHERE NOT EXISTS (SELECT 1 FROM care_plan_version n
                      WHERE n.person_id = v.person_id AND n.plan_id = v.plan_id AND n.version > v.version)`;

const CARE_TEAM_ID = /^careteam-([0-9a-fA-F-]{36})$/;

export const CARE_TEAM: ResourceType = {
  type: "CareTeam",
  personal: true,
  source: careTeamSource,
  idSql: (id: string, p: SqlParams) => {
    const planId = CARE_TEAM_ID.exec(id)?.[1];
    return planId && isUuid(planId) ? `r.plan_id = ${p.add(planId.toLowerCase())}::uuid` : null;
  },
  order: "r.at DESC, r.id",
  profile: "http://hl7.org/fhir/StructureDefinition/CareTeam",
  params: {
    ...patientAndSubject(),
    status: tokenParam(null, "r.status", "active, or inactive once the plan has ended"),
  },
  render: renderByPerson(
    readPlansOfPeople,
    (plan) => `careteam-${plan.planId}`,
    (plan) => careTeamResource(plan),
  ),
};

// Task: each action of a plan's latest version (action-<action id>, for its owner, by its due date), and each
// referral's current step for the receiving team (referral-<referral id>-v<version>: a new step is a new Task),
// both rendered by the care capability.
const taskSource = `
  SELECT 'action-' || (a.value->>'actionId') AS id, v.person_id, v.saved_at AS at, v.saved_at AS last_updated,
         CASE a.value->>'status' WHEN 'done' THEN 'completed' WHEN 'cancelled' THEN 'cancelled'
              ELSE 'requested' END AS status
    FROM care_plan_version v CROSS JOIN LATERAL jsonb_array_elements(v.content->'actions') a
   WHERE NOT EXISTS (SELECT 1 FROM care_plan_version n
                      WHERE n.person_id = v.person_id AND n.plan_id = v.plan_id AND n.version > v.version)
  UNION ALL
  SELECT 'referral-' || r.referral_id || '-v' || r.version AS id, r.person_id, ${DAY("r.referred_on")} AS at,
         r.received_at AS last_updated, NULL AS status
    FROM referral r JOIN team t ON t.team_id = r.to_team_id`;

const TASK_ID = /^(action-[0-9a-fA-F-]{36}|referral-[0-9a-fA-F-]{36}-v[1-9][0-9]{0,8})$/;

async function tasksOf(db: Queryable, personIds: string[]) {
  const [plans, referrals] = [
    await readPlansOfPeople(db, personIds),
    await readReferralsOfPeople(db, personIds),
  ];
  return new Map(
    personIds.map((id) => [
      id,
      [
        ...(plans.get(id) ?? []).flatMap((plan) => planActionTasks(plan)),
        ...(referrals.get(id) ?? []).map((r) => referralTask(r)),
      ],
    ]),
  );
}

export const TASK: ResourceType = {
  type: "Task",
  personal: true,
  source: taskSource,
  idSql: (id: string, p: SqlParams) => (TASK_ID.test(id) ? `r.id = ${p.add(id.toLowerCase())}` : null),
  order: "r.at DESC, r.id",
  profile: "http://hl7.org/fhir/StructureDefinition/Task",
  params: {
    patient: patientParam("the Patient the task is for (Patient/<id>)"),
  },
  render: renderByPerson(
    tasksOf,
    (task) => task.id ?? "",
    (task) => task,
  ),
};
