// The SQL behind a person's single view (banner, summary, care team, timeline page, source records). Nothing
// here decides or audits: reader-person.ts calls these only after an allowed, audited decision for exactly
// this person. Every query is on person_id (the leading key of every person-scoped table), so a person with
// the longest history costs index look-ups, not scans.
import { DMD_SYSTEM, ICD10_SYSTEM, LOCAL_CODE_SYSTEM_PREFIX, SNOMED_CT_SYSTEM } from "../core/index.ts";
import { DEFICITS, efiOn, explainScore, modelById } from "../risk/index.ts";
import { prepared, type Queryable } from "../store/index.ts";
import { readTimelineCounts, readTimelineWindow, type TimelineEvent } from "./timeline.ts";

type Text = string | null;

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS"Z"'`;
const instant = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_UTC})`;

/** Where a fact came from and when OnePlace received it. */
export interface Provenance {
  sourceSystem: string;
  sourceRecordId: string;
  receivedAt: string;
}

export interface OrganisationRef {
  code: string;
  name: string | null;
}

/** Everything the banner at the top of every person page shows. */
export interface PersonBannerFacts {
  personId: string;
  nhsNumber: string | null;
  givenName: string;
  familyName: string;
  birthDate: string;
  sex: string;
  postcode: string | null;
  practice: (OrganisationRef & { registeredOn: string }) | null;
  provenance: Provenance;
  died: { on: string; provenance: Provenance } | null;
  /** Organisations holding an active objection to sharing. */
  objectionHolders: string[];
  /** Risk registers the person is on now. */
  registers: { registerId: string; orgCode: string; joinedOn: string }[];
  inHospital: { provider: OrganisationRef; admittedAt: string; provenance: Provenance } | null;
  leadProfessionals: { role: string | null; organisation: OrganisationRef | null; planType: string }[];
}

// Every person page runs these: prepared, so each is parsed (and on PostgreSQL, planned) once per connection.
// Each subquery names the person ($1) rather than correlating with p: on Citus a statement goes to the person's
// shard alone only when every distributed table in it is filtered on person_id, subqueries too.
const BANNER = prepared(
  "view.banner",
  `SELECT p.person_id::text AS person_id, p.nhs_number, p.given_name, p.family_name, p.birth_date, p.sex,
            p.postcode, p.source_system, p.source_record_id, ${instant("p.received_at")} AS received_at,
            (SELECT json_build_object('code', r.practice_code, 'name', o.name, 'registeredOn', r.registered_on)
               FROM registration r LEFT JOIN organisation o ON o.org_code = r.practice_code
              WHERE r.person_id = $1 AND r.deregistered_on IS NULL
              ORDER BY r.registered_on DESC LIMIT 1) AS practice,
            (SELECT json_build_object('on', d.died_on, 'sourceSystem', d.source_system,
                      'sourceRecordId', d.source_record_id, 'receivedAt', ${instant("d.received_at")})
               FROM death d WHERE d.person_id = $1) AS died,
            (SELECT array_agg(DISTINCT o.holding_org_code) FROM sharing_objection o
              WHERE o.person_id = $1 AND o.recorded_on <= $2::date
                AND (o.withdrawn_on IS NULL OR o.withdrawn_on > $2::date)) AS objection_holders,
            (SELECT json_agg(json_build_object('registerId', m.register_id, 'orgCode', m.org_code,
                      'joinedOn', m.joined_on) ORDER BY m.register_id)
               FROM risk_register_member m WHERE m.person_id = $1 AND m.left_on IS NULL) AS registers,
            (SELECT json_build_object('code', s.provider_code, 'name', o.name, 'admittedAt', ${instant("s.admitted_at")},
                      'sourceSystem', s.source_system, 'sourceRecordId', s.source_record_id,
                      'receivedAt', ${instant("s.received_at")})
               FROM hospital_spell s LEFT JOIN organisation o ON o.org_code = s.provider_code
              WHERE s.person_id = $1 AND s.discharged_at IS NULL
              ORDER BY s.admitted_at DESC LIMIT 1) AS in_hospital,
            (SELECT json_agg(json_build_object('role', c.lead_professional_role, 'code', c.lead_org_code,
                      'name', o.name, 'planType', c.plan_type) ORDER BY c.started_on DESC)
               FROM care_plan c LEFT JOIN organisation o ON o.org_code = c.lead_org_code
              WHERE c.person_id = $1 AND c.ended_on IS NULL) AS leads
       FROM person p WHERE p.person_id = $1`,
);

export async function readBanner(
  db: Queryable,
  personId: string,
  today: string,
): Promise<PersonBannerFacts | null> {
  const [p] = await db.query(BANNER, [personId, today]);
  if (!p) return null;
  const json = <T>(v: unknown): T | null =>
    v === null || v === undefined ? null : typeof v === "string" ? JSON.parse(v) : (v as T);
  const practice = json<{ code: string; name: Text; registeredOn: string }>(p.practice);
  const died = json<{ on: string } & Provenance>(p.died);
  const spell = json<{ code: string; name: Text; admittedAt: string } & Provenance>(p.in_hospital);
  const leads = json<{ role: Text; code: Text; name: Text; planType: string }[]>(p.leads) ?? [];
  return {
    personId: p.person_id as string,
    nhsNumber: p.nhs_number as Text,
    givenName: p.given_name as string,
    familyName: p.family_name as string,
    birthDate: p.birth_date as string,
    sex: p.sex as string,
    postcode: p.postcode as Text,
    practice: practice
      ? { code: practice.code, name: practice.name, registeredOn: practice.registeredOn }
      : null,
    provenance: {
      sourceSystem: p.source_system as string,
      sourceRecordId: p.source_record_id as string,
      receivedAt: p.received_at as string,
    },
    died: died ? { on: died.on, provenance: provenanceOf(died) } : null,
    objectionHolders: (p.objection_holders as string[] | null) ?? [],
    registers: json<PersonBannerFacts["registers"]>(p.registers) ?? [],
    inHospital: spell
      ? {
          provider: { code: spell.code, name: spell.name },
          admittedAt: spell.admittedAt,
          provenance: provenanceOf(spell),
        }
      : null,
    leadProfessionals: leads.map((l) => ({
      role: l.role,
      organisation: l.code ? { code: l.code, name: l.name } : null,
      planType: l.planType,
    })),
  };
}

function provenanceOf(v: Provenance): Provenance {
  return { sourceSystem: v.sourceSystem, sourceRecordId: v.sourceRecordId, receivedAt: v.receivedAt };
}

/** One coded fact with the record behind it. */
export interface EvidencedFact {
  id: string;
  name: string;
  firstOn: string;
  /** What the record says: its code (and display), or the medicines counted. */
  evidence: string;
  provenance: Provenance | null;
}

export interface RiskFactor {
  label: string;
  value: string;
  /** Odds multiplied by this against an average person of the training population. */
  oddsRatio: number;
}

export interface PersonSummaryFacts {
  /** The date the stratification described the person on; null if they were never scored. */
  asOf: string | null;
  scoredAt: string | null;
  risk: {
    tier: string | null;
    probability: number | null;
    percentile: number | null;
    modelVersion: number | null;
    factors: RiskFactor[];
    hiu: boolean;
  } | null;
  efi: { category: string | null; deficitCount: number; score: number; deficits: EvidencedFact[] } | null;
  longTermConditions: EvidencedFact[];
  medicines: {
    name: string;
    code: string;
    lastIssuedOn: string;
    repeat: boolean;
    issues: number;
    provenance: Provenance;
  }[];
  /** The six months of prescribing the medicines list covers, ending on the latest issue. */
  medicinesWindow: { from: string; to: string } | null;
  socialCare: {
    serviceType: string;
    startedOn: string;
    funding: string;
    hoursPerWeek: number | null;
    provenance: Provenance;
  }[];
  careHome: {
    home: OrganisationRef;
    careType: string;
    placementType: string;
    startedOn: string;
    funding: string;
    provenance: Provenance;
  } | null;
  reviews: {
    planType: string;
    reviewDueOn: string;
    leadRole: string | null;
    leadOrganisation: OrganisationRef | null;
    overdue: boolean;
    provenance: Provenance;
  }[];
}

const MEDICINES_WINDOW_MONTHS = 6;
const TOP_FACTORS = 5;

const SUMMARY_SCORE = prepared(
  "view.summary.score",
  `SELECT as_of, ${instant("scored_at")} AS scored_at, risk_tier, probability, risk_percentile, hiu,
            model_id::text AS model_id, efi_category
       FROM risk_person WHERE person_id = $1`,
);

const SUMMARY_MEDICINES = prepared(
  "view.summary.medicines",
  `WITH recent AS (
         SELECT m.*, max(issued_on) OVER () AS latest FROM medication_issue m WHERE m.person_id = $1
       )
       SELECT DISTINCT ON (code_system, code) code, display, issued_on, is_repeat, source_system,
              source_record_id, ${instant("received_at")} AS received_at, latest,
              (latest - interval '${MEDICINES_WINDOW_MONTHS} months')::date AS window_from,
              count(*) OVER (PARTITION BY code_system, code) AS issues
         FROM recent WHERE issued_on > latest - interval '${MEDICINES_WINDOW_MONTHS} months'
        ORDER BY code_system, code, issued_on DESC, issue_id`,
);

const SUMMARY_SOCIAL_CARE = prepared(
  "view.summary.social-care",
  `SELECT service_type, started_on, funding, hours_per_week, source_system, source_record_id,
              ${instant("received_at")} AS received_at
         FROM social_care_service WHERE person_id = $1 AND started_on <= $2::date
          AND (ended_on IS NULL OR ended_on >= $2::date)
        ORDER BY started_on DESC`,
);

const SUMMARY_CARE_HOME = prepared(
  "view.summary.care-home",
  `SELECT c.care_home_code, o.name, c.care_type, c.placement_type, c.started_on, c.funding, c.source_system,
              c.source_record_id, ${instant("c.received_at")} AS received_at
         FROM care_home_placement c LEFT JOIN organisation o ON o.org_code = c.care_home_code
        WHERE c.person_id = $1 AND c.started_on <= $2::date AND (c.ended_on IS NULL OR c.ended_on >= $2::date)
        ORDER BY c.started_on DESC LIMIT 1`,
);

const SUMMARY_REVIEWS = prepared(
  "view.summary.reviews",
  `SELECT c.plan_type, c.review_due_on, c.lead_professional_role, c.lead_org_code, o.name, c.source_system,
              c.source_record_id, ${instant("c.received_at")} AS received_at
         FROM care_plan c LEFT JOIN organisation o ON o.org_code = c.lead_org_code
        WHERE c.person_id = $1 AND c.ended_on IS NULL AND c.review_due_on IS NOT NULL
        ORDER BY c.review_due_on`,
);

const SUMMARY_EVIDENCE = prepared(
  "view.summary.evidence",
  `SELECT g.entry_id::text AS entry_id, g.code_system, g.code, c.display, g.value, g.unit, g.source_system,
              g.source_record_id, ${instant("g.received_at")} AS received_at
         FROM gp_entry g LEFT JOIN code c ON c.system = g.code_system AND c.code = g.code
        WHERE g.person_id = $1 AND g.entry_id = ANY ($2::uuid[])`,
);

export async function readSummaryFacts(
  db: Queryable,
  personId: string,
  today: string,
): Promise<PersonSummaryFacts> {
  // The score first (one row by key): its date and model decide what else is read, all at once.
  const [score] = await db.query(SUMMARY_SCORE, [personId]);
  const asOf = (score?.as_of as Text) ?? null;
  const model = score?.model_id ? await modelById(db, score.model_id as string) : null;
  const [medicines, socialCare, careHomes, reviews, efi, contributions] = await Promise.all([
    db.query(SUMMARY_MEDICINES, [personId]),
    db.query(SUMMARY_SOCIAL_CARE, [personId, today]),
    db.query(SUMMARY_CARE_HOME, [personId, today]),
    db.query(SUMMARY_REVIEWS, [personId]),
    // The eFI with its evidence, on the date the person was stratified (or today when they never were).
    efiOn(db, personId, asOf ?? today),
    model ? explainScore(db, model, personId) : null,
  ]);
  const prov = (r: Record<string, unknown>): Provenance => ({
    sourceSystem: r.source_system as string,
    sourceRecordId: r.source_record_id as string,
    receivedAt: r.received_at as string,
  });
  const entryIds = (efi?.deficits ?? [])
    .filter((d) => d.sourceTable === "gp_entry")
    .flatMap((d) => d.sourceIds);
  const entries = new Map<string, Record<string, unknown>>();
  if (entryIds.length > 0) {
    const rows = await db.query(SUMMARY_EVIDENCE, [personId, entryIds]);
    for (const r of rows) entries.set(r.entry_id as string, r);
  }
  const ltc = new Set(DEFICITS.filter((d) => d.longTermCondition).map((d) => d.id));
  const deficits: EvidencedFact[] = (efi?.deficits ?? []).map((d) => {
    if (d.sourceTable === "medication_issue") {
      return {
        id: d.deficitId,
        name: d.name,
        firstOn: d.firstOn,
        evidence: `${d.value} different medicines issued in the 12 months`,
        provenance: null,
      };
    }
    const e = entries.get(d.sourceIds[0]);
    const coded = `${codeSystemName((e?.code_system as Text) ?? d.codeSystem)} ${e?.code ?? d.code}`;
    const code = e?.display ? `${e.display} (${coded})` : `Coded ${coded}`;
    const value = e && e.value !== null ? ` value ${e.value}${e.unit ? ` ${e.unit}` : ""}` : "";
    return {
      id: d.deficitId,
      name: d.name,
      firstOn: d.firstOn,
      evidence: `${code}${value}`,
      provenance: e ? prov(e) : null,
    };
  });

  const modelVersion = model?.version ?? null;
  const factors: RiskFactor[] = (contributions ?? [])
    .filter((f) => f.logOdds > 0.05)
    .slice(0, TOP_FACTORS)
    .map((f) => ({ label: f.label, value: f.value, oddsRatio: Math.exp(f.logOdds) }));
  const home = careHomes[0];
  return {
    asOf,
    scoredAt: (score?.scored_at as Text) ?? null,
    risk: score
      ? {
          tier: score.risk_tier as Text,
          probability: (score.probability as number | null) ?? null,
          percentile: (score.risk_percentile as number | null) ?? null,
          modelVersion,
          factors,
          hiu: score.hiu === true,
        }
      : null,
    efi: efi
      ? { category: efi.category, deficitCount: efi.deficitCount, score: efi.score.value, deficits }
      : null,
    longTermConditions: deficits.filter((d) => ltc.has(d.id)),
    medicines: medicines
      .map((m) => ({
        name: m.display as string,
        code: m.code as string,
        lastIssuedOn: m.issued_on as string,
        repeat: m.is_repeat === true,
        issues: Number(m.issues),
        provenance: prov(m),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    medicinesWindow: medicines[0]
      ? { from: medicines[0].window_from as string, to: medicines[0].latest as string }
      : null,
    socialCare: socialCare.map((s) => ({
      serviceType: s.service_type as string,
      startedOn: s.started_on as string,
      funding: s.funding as string,
      hoursPerWeek: (s.hours_per_week as number | null) ?? null,
      provenance: prov(s),
    })),
    careHome: home
      ? {
          home: { code: home.care_home_code as string, name: home.name as Text },
          careType: home.care_type as string,
          placementType: home.placement_type as string,
          startedOn: home.started_on as string,
          funding: home.funding as string,
          provenance: prov(home),
        }
      : null,
    reviews: reviews.map((r) => ({
      planType: r.plan_type as string,
      reviewDueOn: r.review_due_on as string,
      leadRole: r.lead_professional_role as Text,
      leadOrganisation: r.lead_org_code ? { code: r.lead_org_code as string, name: r.name as Text } : null,
      overdue: (r.review_due_on as string) < today,
      provenance: prov(r),
    })),
  };
}

/** Who has a relationship with the person and why. */
export interface CareTeamEntry {
  why: "registration" | "caseload" | "care-team" | "referral" | "admission" | "lead-professional";
  /** The team or organisation. */
  team: string;
  teamCode: string | null;
  /** The professional, for a caseload. */
  professional: string | null;
  detail: string | null;
  from: string;
  to: string | null;
  current: boolean;
  provenance: Provenance;
}

const CARE_TEAM = prepared(
  "view.care-team",
  `SELECT 'registration' AS why, coalesce(o.name, r.practice_code) AS team, r.practice_code AS team_code,
            NULL AS professional, 'registered practice' AS detail, r.registered_on AS from_on,
            r.deregistered_on AS to_on, r.source_system, r.source_record_id, ${instant("r.received_at")} AS received_at
       FROM registration r LEFT JOIN organisation o ON o.org_code = r.practice_code WHERE r.person_id = $1
     UNION ALL
     SELECT 'caseload', t.name, t.team_code, coalesce(u.display_name, u.username), NULL, c.started_on, c.ended_on,
            c.source_system, c.source_record_id, ${instant("c.received_at")}
       FROM caseload_entry c JOIN team t ON t.team_id = c.team_id LEFT JOIN app_user u ON u.user_id = c.user_id
      WHERE c.person_id = $1
     UNION ALL
     SELECT 'care-team', t.name, t.team_code, NULL, NULL, m.started_on, m.ended_on, m.source_system,
            m.source_record_id, ${instant("m.received_at")}
       FROM care_team_member m JOIN team t ON t.team_id = m.team_id WHERE m.person_id = $1
     UNION ALL
     SELECT 'referral', t.name, t.team_code, NULL,
            concat_ws(', ', f.name, replace(x.service, '-', ' '), x.outcome), x.referred_on, x.closed_on,
            x.source_system, x.source_record_id, ${instant("x.received_at")}
       FROM referral x JOIN team t ON t.team_id = x.to_team_id LEFT JOIN team f ON f.team_id = x.from_team_id
      WHERE x.person_id = $1
     UNION ALL
     SELECT 'admission', coalesce(o.name, s.provider_code), s.provider_code, NULL,
            concat_ws(' ', s.admission_method, 'admission'), (s.admitted_at AT TIME ZONE 'Europe/London')::date,
            (s.discharged_at AT TIME ZONE 'Europe/London')::date, s.source_system, s.source_record_id,
            ${instant("s.received_at")}
       FROM hospital_spell s LEFT JOIN organisation o ON o.org_code = s.provider_code
      WHERE s.person_id = $1 AND (s.discharged_at IS NULL OR s.discharged_at >= $2::date - 90)
     UNION ALL
     SELECT 'lead-professional', coalesce(o.name, c.lead_org_code, 'not recorded'), c.lead_org_code,
            c.lead_professional_role, replace(c.plan_type, '-', ' ') || ' plan', c.started_on, c.ended_on,
            c.source_system, c.source_record_id, ${instant("c.received_at")}
       FROM care_plan c LEFT JOIN organisation o ON o.org_code = c.lead_org_code WHERE c.person_id = $1`,
);

export async function readCareTeam(db: Queryable, personId: string, today: string): Promise<CareTeamEntry[]> {
  const rows = await db.query(CARE_TEAM, [personId, today]);
  return rows
    .map((r) => {
      const to = (r.to_on as Text) ?? null;
      const from = r.from_on as string;
      return {
        why: r.why as CareTeamEntry["why"],
        team: r.team as string,
        teamCode: (r.team_code as Text) ?? null,
        professional: (r.professional as Text) ?? null,
        detail: (r.detail as Text) ?? null,
        from,
        to,
        current: from <= today && (to === null || to >= today),
        provenance: {
          sourceSystem: r.source_system as string,
          sourceRecordId: r.source_record_id as string,
          receivedAt: r.received_at as string,
        },
      };
    })
    .sort((a, b) => Number(b.current) - Number(a.current) || b.from.localeCompare(a.from));
}

/** A filter and a page of the timeline. */
export interface TimelineQuery {
  kinds: readonly string[];
  organisation: string | null;
  page: number;
  pageSize: number;
}

export interface TimelinePage {
  /** Newest first, this page only. */
  events: (TimelineEvent & { organisationName: string | null; description: string | null })[];
  total: number;
  /** Every event of the person, unfiltered. */
  all: number;
  page: number;
  pages: number;
  /** For the filters: every kind and organisation in the person's record, with counts. */
  kinds: { kind: string; count: number }[];
  organisations: { code: string; name: string | null; count: number }[];
}

const CODE_DISPLAYS = prepared(
  "view.timeline.codes",
  `SELECT w.system || '|' || w.code AS k, c.display,
          (SELECT min(m.list_id) FROM code_list_member m WHERE m.system = w.system AND m.code = w.code) AS list_id
     FROM unnest($1::text[], $2::text[]) AS w (system, code)
     LEFT JOIN code c ON c.system = w.system AND c.code = w.code`,
);

export async function readTimelinePage(
  db: Queryable,
  personId: string,
  query: TimelineQuery,
): Promise<TimelinePage> {
  const groups = await readTimelineCounts(db, personId);
  const kindCounts = new Map<string, number>();
  const orgCounts = new Map<string, number>();
  const names = new Map<string, string | null>();
  const kinds = new Set(query.kinds);
  const organisation = query.organisation || null;
  let all = 0;
  let total = 0;
  for (const g of groups) {
    all += g.count;
    kindCounts.set(g.kind, (kindCounts.get(g.kind) ?? 0) + g.count);
    if (g.organisation) {
      orgCounts.set(g.organisation, (orgCounts.get(g.organisation) ?? 0) + g.count);
      names.set(g.organisation, g.organisationName);
    }
    if ((kinds.size === 0 || kinds.has(g.kind)) && (!organisation || g.organisation === organisation))
      total += g.count;
  }
  const pages = Math.max(1, Math.ceil(total / query.pageSize));
  const page = Math.min(Math.max(1, query.page), pages);
  const slice =
    total === 0
      ? []
      : await readTimelineWindow(db, personId, {
          kinds: query.kinds,
          organisation,
          offset: (page - 1) * query.pageSize,
          limit: query.pageSize,
        });
  const gpCodes = [
    ...new Set(slice.filter((e) => e.kind === "gp-entry" && e.code).map((e) => `${e.codeSystem}|${e.code}`)),
  ].map((k) => k.split("|"));
  const codeRows =
    gpCodes.length > 0
      ? await db.query(CODE_DISPLAYS, [gpCodes.map((c) => c[0]), gpCodes.map((c) => c[1])])
      : [];
  // A code's own display where OnePlace knows it; otherwise what the code lists it belongs to say it means.
  const displays = new Map(
    codeRows.map((r) => [r.k as string, (r.display as Text) ?? listMeaning(r.list_id as Text)] as const),
  );
  return {
    events: slice.map((e) => ({
      ...e,
      detail: e.codeSystem ? e.detail.replace(e.codeSystem, codeSystemName(e.codeSystem)) : e.detail,
      organisationName: e.organisation ? (names.get(e.organisation) ?? null) : null,
      description: e.code ? (displays.get(`${e.codeSystem}|${e.code}`) ?? null) : null,
    })),
    total,
    all,
    page,
    pages,
    kinds: [...kindCounts]
      .map(([kind, count]) => ({ kind, count }))
      .sort((a, b) => a.kind.localeCompare(b.kind)),
    organisations: [...orgCounts]
      .map(([code, count]) => ({ code, name: names.get(code) ?? null, count }))
      .sort((a, b) => (a.name ?? a.code).localeCompare(b.name ?? b.code)),
  };
}

/** Each source system's record of the person with provenance, as the MPI linked them. */
export interface SourceRecord extends Provenance {
  nhsNumber: Text;
  familyName: Text;
  givenName: Text;
  birthDate: Text;
  sex: Text;
  postcode: Text;
}

const SOURCE_RECORDS = prepared(
  "view.source-records",
  `SELECT source_system, source_record_id, nhs_number, family_name, given_name, birth_date, sex, postcode,
          ${instant("received_at")} AS received_at
     FROM person_record WHERE person_id = $1 ORDER BY source_system, source_record_id`,
);

export async function readSourceRecords(db: Queryable, personId: string): Promise<SourceRecord[]> {
  const rows = await db.query(SOURCE_RECORDS, [personId]);
  return rows.map((r) => ({
    sourceSystem: r.source_system as string,
    sourceRecordId: r.source_record_id as string,
    receivedAt: r.received_at as string,
    nhsNumber: r.nhs_number as Text,
    familyName: r.family_name as Text,
    givenName: r.given_name as Text,
    birthDate: r.birth_date as Text,
    sex: r.sex as Text,
    postcode: r.postcode as Text,
  }));
}

const DEFICIT_NAMES = new Map(DEFICITS.map((d) => [`efi:${d.id}`, d.name]));

/** "efi:falls" as "Falls (an eFI deficit)", "outcomes:dementia" as "dementia"; null for no list. */
function listMeaning(listId: Text): string | null {
  if (!listId) return null;
  const deficit = DEFICIT_NAMES.get(listId);
  if (deficit) return `${deficit} (an eFI deficit)`;
  return listId.slice(listId.indexOf(":") + 1).replaceAll("-", " ");
}

const SYSTEM_NAMES = new Map([
  [SNOMED_CT_SYSTEM, "SNOMED CT"],
  [ICD10_SYSTEM, "ICD-10"],
  [DMD_SYSTEM, "dm+d"],
]);

/** A code system as a clinician names it: SNOMED CT, ICD-10, dm+d, or "local <name>" for a local one. */
export function codeSystemName(system: Text): string {
  if (!system) return "code";
  if (system.startsWith(LOCAL_CODE_SYSTEM_PREFIX))
    return `local ${system.slice(LOCAL_CODE_SYSTEM_PREFIX.length)}`;
  return SYSTEM_NAMES.get(system) ?? system;
}
