// A person's events across organisations, in date order: one UNION ALL over the activity and social care
// tables, each mapped to the same few columns. reader.ts calls it only after an allowed, audited decision.
import { prepared, type Queryable } from "../store/index.ts";

export const TIMELINE_KINDS = [
  "hospital-spell",
  "ae-attendance",
  "outpatient-attendance",
  "community-contact",
  "mental-health-contact",
  "gp-entry",
  "social-care-assessment",
  "social-care-service",
  "care-home-placement",
  "delayed-transfer",
  "care-plan",
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEvent {
  /** ISO date, or date and time (UTC) where the source records one. */
  at: string;
  /** When it ended; null while it goes on, or for a single contact. */
  endedAt: string | null;
  kind: TimelineKind;
  /** The organisation (provider, practice, care home, lead organisation) the event belongs to. */
  organisation: string | null;
  /** What happened, in the source's coded terms (method, specialty, service, outcome...). */
  detail: string;
  sourceSystem: string;
  sourceRecordId: string;
  /** When OnePlace received the source's record (ISO instant, UTC). */
  receivedAt: string;
  /** The coded entry's code system and code, for a GP entry (to look up its meaning); null otherwise. */
  codeSystem: string | null;
  code: string | null;
}

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS"Z"'`;
const instant = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_UTC})`;
const day = (column: string) => `${column}::text`;

/** Each table's columns as the timeline's: at, ended_at, kind, organisation, detail. */
const SOURCES: readonly {
  table: string;
  at: string;
  end: string;
  kind: string;
  org: string;
  detail: string;
  code?: [string, string];
}[] = [
  {
    table: "hospital_spell",
    at: instant("admitted_at"),
    end: instant("discharged_at"),
    kind: "'hospital-spell'",
    org: "provider_code",
    detail: "concat_ws(' ', admission_method, patient_class, specialty_code, primary_diagnosis)",
  },
  {
    table: "ae_attendance",
    at: instant("arrived_at"),
    end: instant("departed_at"),
    kind: "'ae-attendance'",
    org: "provider_code",
    detail: "concat_ws(' ', arrival_mode, disposal)",
  },
  {
    table: "outpatient_attendance",
    at: day("appointment_on"),
    end: "NULL",
    kind: "'outpatient-attendance'",
    org: "provider_code",
    detail: "concat_ws(' ', specialty_code, attendance, CASE WHEN first_attendance THEN 'first' END)",
  },
  {
    table: "care_contact",
    at: day("contact_on"),
    end: "NULL",
    kind: "setting || '-contact'",
    org: "provider_code",
    detail: "concat_ws(' ', service, contact_mode)",
  },
  {
    table: "gp_entry",
    at: day("recorded_on"),
    end: "NULL",
    kind: "'gp-entry'",
    org: "practice_code",
    detail: "concat_ws(' ', entry_kind, code_system, code, value::text, unit, value_code)",
    code: ["code_system", "code"],
  },
  {
    table: "social_care_assessment",
    at: day("assessed_on"),
    end: "NULL",
    kind: "'social-care-assessment'",
    org: "NULL",
    detail: "concat_ws(' ', assessment_type, outcome)",
  },
  {
    table: "social_care_service",
    at: day("started_on"),
    end: day("ended_on"),
    kind: "'social-care-service'",
    org: "NULL",
    detail: "concat_ws(' ', service_type, funding, end_reason)",
  },
  {
    table: "care_home_placement",
    at: day("started_on"),
    end: day("ended_on"),
    kind: "'care-home-placement'",
    org: "care_home_code",
    detail: "concat_ws(' ', care_type, placement_type, funding, end_reason)",
  },
  {
    table: "delayed_transfer",
    at: day("ready_on"),
    end: day("ended_on"),
    kind: "'delayed-transfer'",
    org: "provider_code",
    detail: "concat_ws(' ', attribution, reason)",
  },
  {
    table: "care_plan",
    at: day("started_on"),
    end: day("ended_on"),
    kind: "'care-plan'",
    org: "lead_org_code",
    detail: "concat_ws(' ', plan_type, lead_professional_role)",
  },
];

/** Every event of person $1, in the timeline's columns (unordered). */
const EVENTS = SOURCES.map(
  (s) =>
    `SELECT ${s.at} AS at, ${s.end} AS ended_at, ${s.kind} AS kind, ${s.org} AS organisation, ${s.detail} AS detail,
            source_system, source_record_id, ${instant("received_at")} AS received_at,
            ${s.code?.[0] ?? "NULL"} AS code_system, ${s.code?.[1] ?? "NULL"} AS code
       FROM ${s.table} WHERE person_id = $1`,
).join("\nUNION ALL\n");

const TIMELINE_SQL = prepared(
  "view.timeline",
  `${EVENTS}\nORDER BY at, kind, source_system, source_record_id`,
);

// A page of the Timeline tab reads only its own rows: the counts by kind and organisation (for the filters, the
// totals and the page count), then the page, newest first, in the reverse of readTimeline's order.
const COUNTS_SQL = prepared(
  "view.timeline.counts",
  `SELECT e.kind, e.organisation, o.name AS organisation_name, count(*)::int AS n
     FROM (${SOURCES.map((s) => `SELECT ${s.kind} AS kind, ${s.org} AS organisation FROM ${s.table} WHERE person_id = $1`).join("\n UNION ALL\n")}) e
     LEFT JOIN organisation o ON o.org_code = e.organisation
    GROUP BY e.kind, e.organisation, o.name`,
);

const WINDOW_SQL = prepared(
  "view.timeline.window",
  `SELECT * FROM (${EVENTS}) e
    WHERE (cardinality($2::text[]) = 0 OR e.kind = ANY ($2::text[])) AND ($3::text IS NULL OR e.organisation = $3::text)
    ORDER BY e.at DESC, e.kind DESC, e.source_system DESC, e.source_record_id DESC
    LIMIT $4::int OFFSET $5::int`,
);

function toEvent(r: Record<string, unknown>): TimelineEvent {
  return {
    at: r.at as string,
    endedAt: (r.ended_at as string | null) ?? null,
    kind: r.kind as TimelineKind,
    organisation: (r.organisation as string | null) ?? null,
    detail: r.detail as string,
    sourceSystem: r.source_system as string,
    sourceRecordId: r.source_record_id as string,
    receivedAt: r.received_at as string,
    codeSystem: (r.code_system as string | null) ?? null,
    code: (r.code as string | null) ?? null,
  };
}

/** How many of a person's events there are of each kind at each organisation (with its name, if known). */
export interface TimelineGroup {
  kind: string;
  organisation: string | null;
  organisationName: string | null;
  count: number;
}

export async function readTimelineCounts(db: Queryable, personId: string): Promise<TimelineGroup[]> {
  const rows = await db.query(COUNTS_SQL, [personId]);
  return rows.map((r) => ({
    kind: r.kind as string,
    organisation: (r.organisation as string | null) ?? null,
    organisationName: (r.organisation_name as string | null) ?? null,
    count: r.n as number,
  }));
}

/** A window of a person's events, newest first, of the kinds given (all when none) and the organisation. */
export async function readTimelineWindow(
  db: Queryable,
  personId: string,
  filter: { kinds: readonly string[]; organisation: string | null; offset: number; limit: number },
): Promise<TimelineEvent[]> {
  const rows = await db.query(WINDOW_SQL, [
    personId,
    [...filter.kinds],
    filter.organisation,
    filter.limit,
    filter.offset,
  ]);
  return rows.map(toEvent);
}

export async function readTimeline(db: Queryable, personId: string): Promise<TimelineEvent[]> {
  const rows = await db.query(TIMELINE_SQL, [personId]);
  return rows.map(toEvent);
}
