// The facts the access decision needs about people relative to one user in one role in one team, read in
// one query: for one person (index look-ups on person_id) or for a set of thousands (hash joins).
import { isCitus, type PreparedStatement, prepared, preparedText, type Queryable } from "../store/index.ts";
import { packIds } from "./audit-log.ts";
import type { AccessUser, PersonFacts, RoleAssignment } from "./types.ts";

/**
 * A hospital discharge team keeps its relationship while the person is in hospital and for this many days
 * after discharge: long enough to arrange reablement and the first visits home.
 */
export const ADMISSION_WINDOW_DAYS = 14;

export interface FactsScope {
  user: AccessUser;
  roleAssignment: RoleAssignment;
  at: Date;
}

/** The calendar day in England at an instant: registrations and referrals are dated in local days. */
// One formatter for the process: making one costs more than a whole access decision.
const LONDON_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" });

// England's offsets from UTC have been whole hours since 1900 (and change on the hour), so the day is the same
// for a whole UTC hour: formatting costs a few microseconds, more than the rest of a decision's parameters.
const WHOLE_HOURS_SINCE = Date.UTC(1900, 0, 1);
let dayHour = Number.NaN;
let dayOfHour = "";

export function londonDate(at: Date): string {
  const ms = at.getTime();
  if (!(ms >= WHOLE_HOURS_SINCE)) return LONDON_DAY.format(at);
  const hour = Math.floor(ms / 3_600_000);
  if (hour !== dayHour) {
    dayOfHour = LONDON_DAY.format(at);
    dayHour = hour;
  }
  return dayOfHour;
}

function scopeParams(scope: FactsScope): unknown[] {
  const { team, role } = scope.roleAssignment;
  return [
    scope.user.userId, // $2
    team.teamId, // $3
    team.kind === "practice" ? team.orgCode : null, // $4: registration counts only for a practice team
    londonDate(scope.at), // $5
    team.orgCode, // $6: the hospital, for admissions
    scope.at.toISOString(), // $7
    ADMISSION_WINDOW_DAYS, // $8
    role.roleCode, // $9
  ];
}

type FactsRow = {
  person_id: string;
  known: boolean;
  registered: boolean;
  caseload: boolean;
  care_team: boolean;
  referral: boolean;
  admission: boolean;
  break_glass_id: string | null;
  objection_holders: string[] | null;
  opted_out: boolean;
};

function toFacts(row: FactsRow): PersonFacts {
  return {
    personId: row.person_id,
    known: row.known,
    registered: row.registered,
    caseload: row.caseload,
    careTeam: row.care_team,
    referral: row.referral,
    admission: row.admission,
    breakGlassId: row.break_glass_id,
    objectionHolders: row.objection_holders ?? [],
    optedOut: row.opted_out,
  };
}

const ACTIVE_ON_DAY = (start: string, end: string) =>
  `${start} <= $5::date AND (${end} IS NULL OR ${end} >= $5::date)`;
const REGISTERED_ON_DAY =
  "registered_on <= $5::date AND (deregistered_on IS NULL OR deregistered_on > $5::date)";
const OPEN_REFERRAL = "referred_on <= $5::date AND (closed_on IS NULL OR closed_on > $5::date)";
const IN_OR_JUST_OUT =
  "admitted_at <= $7::timestamptz AND (discharged_at IS NULL OR discharged_at >= $7::timestamptz - make_interval(days => $8::int))";
const GLASS_OPEN =
  "user_id = $2 AND team_id = $3 AND role_code = $9 AND started_at <= $7::timestamptz AND expires_at > $7::timestamptz";
const OBJECTING = "recorded_on <= $5::date AND (withdrawn_on IS NULL OR withdrawn_on > $5::date)";

/**
 * Which facts a role's decision can use: the others are constants, so the query skips them. Relationship
 * roles do not test that the person exists: no relationship with an unknown id is found, so it is denied.
 */
interface FactsShape {
  known: boolean;
  kinds: ReadonlySet<string>;
  breakGlass: boolean;
  objection: boolean;
  optOut: boolean;
}

function shapeOf(assignment: RoleAssignment): FactsShape {
  const { role } = assignment;
  const relationship = role.accessBasis === "relationship";
  return {
    known: !relationship,
    kinds: new Set(relationship ? role.relationshipKinds : []),
    breakGlass: relationship,
    objection: relationship || role.accessBasis === "pseudonymised",
    optOut: role.accessBasis === "pseudonymised",
  };
}

// Each fact: a table and the condition a row must meet. For one person the test is an EXISTS on the
// primary key; for a set it is `id IN (...)`, a hashed subplan that reads the table once (by practice,
// user, team or hospital) and probes it for every id. `lookUp`: the set is large (a practice's 19,000
// registrations, current and past) and an index holds all a test needs (registration_practice_person_idx), so
// for a few hundred people a look-up each costs less than hashing the set, whichever the planner guesses (a GP's
// home at Thurrock scale, 350 people: 1.5 ms against 3 ms on PostgreSQL, 4.3 against 5.8 ms CPU on PGlite).
// `scope`: the columns a row must match to the scope's parameters ($2 user, $3 team, $4 the practice of a practice
// team, $6 the team's hospital); `when`: the dates it must hold on. `where` is both.
interface Fact {
  table: string;
  scope: readonly (readonly [column: string, param: ScopeParam])[];
  when: string;
  where: string;
  lookUp?: boolean;
}
type ScopeParam = "$2" | "$3" | "$4" | "$6";
const factOf = (table: string, scope: Fact["scope"], when: string, lookUp?: boolean): Fact => ({
  table,
  scope,
  when,
  where: [...scope.map(([column, param]) => `${column} = ${param}`), when].join(" AND "),
  lookUp,
});
const FACTS: Record<string, Fact> = {
  known: factOf("person", [], "true"),
  registered: factOf("registration", [["practice_code", "$4"]], REGISTERED_ON_DAY, true),
  caseload: factOf(
    "caseload_entry",
    [
      ["user_id", "$2"],
      ["team_id", "$3"],
    ],
    ACTIVE_ON_DAY("started_on", "ended_on"),
  ),
  "care-team": factOf("care_team_member", [["team_id", "$3"]], ACTIVE_ON_DAY("started_on", "ended_on")),
  referral: factOf("referral", [["to_team_id", "$3"]], OPEN_REFERRAL),
  admission: factOf("hospital_spell", [["provider_code", "$6"]], IN_OR_JUST_OUT),
};

// Every parameter is typed even when the role's query does not use it.
const TYPE_PARAMS =
  "num_nulls($2::uuid, $3::uuid, $4::text, $5::date, $6::text, $7::timestamptz, $8::int, $9::text) >= 0";

function oneFactsSql(shape: FactsShape): string {
  const p = "$1::uuid";
  const fact = (name: string, on: boolean) => {
    if (!on) return "false";
    const { table, where } = FACTS[name];
    return `EXISTS (SELECT 1 FROM ${table} WHERE person_id = ${p} AND ${where})`;
  };
  return `SELECT ${p} AS person_id,
  ${shape.known ? fact("known", true) : "true"} AS known,
  ${fact("registered", shape.kinds.has("registered"))} AS registered,
  ${fact("caseload", shape.kinds.has("caseload"))} AS caseload,
  ${fact("care-team", shape.kinds.has("care-team"))} AS care_team,
  ${fact("referral", shape.kinds.has("referral"))} AS referral,
  ${fact("admission", shape.kinds.has("admission"))} AS admission,
  ${shape.breakGlass ? `(SELECT break_glass_id FROM break_glass b WHERE b.person_id = ${p} AND ${GLASS_OPEN} ORDER BY expires_at DESC LIMIT 1)` : "NULL::uuid"} AS break_glass_id,
  ${shape.objection ? `(SELECT array_agg(DISTINCT holding_org_code) FROM sharing_objection o WHERE o.person_id = ${p} AND ${OBJECTING})` : "NULL::text[]"} AS objection_holders,
  ${shape.optOut ? `EXISTS (SELECT 1 FROM data_opt_out o WHERE o.person_id = ${p} AND ${OBJECTING})` : "false"} AS opted_out
WHERE ${TYPE_PARAMS}`;
}

/** Bits of the per-person mask the set query returns, one character per person. */
const BIT = {
  known: 1,
  registered: 2,
  caseload: 4,
  careTeam: 8,
  referral: 16,
  admission: 32,
  optedOut: 64,
} as const;

/**
 * The set form. The ids go in packed (16 bytes each, base64) and the facts come back as one string with a
 * character per person, plus the rare break-glass grants and objections: moving 10,000 uuids as rows
 * or arrays costs more than deciding for them.
 */
function manyFactsSql(shape: FactsShape, probe: boolean): string {
  // A few hundred people: an index probe per person and fact. Thousands: read each relationship set once
  // (hashed) and probe it, which costs the size of the set (a practice's 15,000 registrations) whatever the ids.
  const fact = (name: string, on: boolean, bit: number) => {
    if (!on) return "0";
    const { table, where, lookUp } = FACTS[name];
    // OFFSET 0 keeps the look-up a look-up (see FACTS); the other sets are small, and the planner hashes them.
    return probe
      ? `CASE WHEN EXISTS (SELECT 1 FROM ${table} t WHERE t.person_id = ids.person_id AND ${where}${lookUp ? " OFFSET 0" : ""}) THEN ${bit} ELSE 0 END`
      : `CASE WHEN ids.person_id IN (SELECT person_id FROM ${table} WHERE ${where}) THEN ${bit} ELSE 0 END`;
  };
  const mask = [
    shape.known ? fact("known", true, BIT.known) : String(BIT.known),
    fact("registered", shape.kinds.has("registered"), BIT.registered),
    fact("caseload", shape.kinds.has("caseload"), BIT.caseload),
    fact("care-team", shape.kinds.has("care-team"), BIT.careTeam),
    fact("referral", shape.kinds.has("referral"), BIT.referral),
    fact("admission", shape.kinds.has("admission"), BIT.admission),
    shape.optOut
      ? `CASE WHEN ids.person_id IN (SELECT person_id FROM data_opt_out WHERE ${OBJECTING}) THEN ${BIT.optedOut} ELSE 0 END`
      : "0",
  ].join(" + ");
  const bg = shape.breakGlass
    ? `LEFT JOIN (SELECT DISTINCT ON (person_id) person_id, break_glass_id FROM break_glass WHERE ${GLASS_OPEN}
                   ORDER BY person_id, expires_at DESC) bg ON bg.person_id = ids.person_id`
    : "LEFT JOIN (SELECT NULL::uuid AS person_id, NULL::uuid AS break_glass_id) bg ON false";
  const obj = shape.objection
    ? `LEFT JOIN (SELECT person_id, array_agg(DISTINCT holding_org_code) AS holders FROM sharing_objection
                   WHERE ${OBJECTING} GROUP BY person_id) obj ON obj.person_id = ids.person_id`
    : "LEFT JOIN (SELECT NULL::uuid AS person_id, NULL::text[] AS holders) obj ON false";
  // OFFSET 0 decodes the ids once: pulled up into the select list, decode() ran again for every id (on PGlite
  // 2 ms of a home page's 5 ms facts query for 500 people).
  return `WITH ids AS MATERIALIZED (
  SELECT ord, encode(substring(packed FROM ord * 16 + 1 FOR 16), 'hex')::uuid AS person_id
    FROM (SELECT decode($1::text, 'base64') AS packed OFFSET 0) input, generate_series(0, length(packed) / 16 - 1) AS ord
), f AS MATERIALIZED (
  SELECT ids.ord, ${mask} AS mask, bg.break_glass_id, obj.holders
    FROM ids ${bg} ${obj}
)
SELECT string_agg(chr(48 + mask), '' ORDER BY ord) AS masks,
       (SELECT json_agg(json_build_array(ord, break_glass_id, holders)) FROM f
         WHERE break_glass_id IS NOT NULL OR holders IS NOT NULL) AS extras
  FROM f
 WHERE ${TYPE_PARAMS}`;
}

/**
 * The set form on a Citus cluster. The ids are a list on the coordinator, and Citus can neither probe a
 * distributed table from each of its rows (a correlated subquery over a coordinator-side list) nor hash a whole
 * relationship set there without first pulling all of it from the workers. So the ids go to the workers (an
 * intermediate result) and each fact is a semi-join on person_id there, the tables co-located: the rows found
 * come back, one per person and fact, and are matched to the ids on the coordinator. One server keeps the
 * forms above, whose probe-or-hash choice its planner cannot make as well from this one.
 */
function citusFactsSql(shape: FactsShape): string {
  const ofIds = "person_id IN (SELECT person_id FROM ids)";
  const legs: string[] = [];
  const leg = (name: string, on: boolean, bit: number) => {
    if (!on) return;
    const { table, where } = FACTS[name];
    legs.push(`SELECT person_id, ${bit} AS bit FROM ${table} WHERE ${ofIds} AND ${where}`);
  };
  leg("known", shape.known, BIT.known);
  leg("registered", shape.kinds.has("registered"), BIT.registered);
  leg("caseload", shape.kinds.has("caseload"), BIT.caseload);
  leg("care-team", shape.kinds.has("care-team"), BIT.careTeam);
  leg("referral", shape.kinds.has("referral"), BIT.referral);
  leg("admission", shape.kinds.has("admission"), BIT.admission);
  if (shape.optOut)
    legs.push(`SELECT person_id, ${BIT.optedOut} AS bit FROM data_opt_out WHERE ${ofIds} AND ${OBJECTING}`);
  const hits = legs.length
    ? `SELECT person_id, bit_or(bit) AS bits FROM (${legs.join(" UNION ALL ")}) h GROUP BY person_id`
    : "SELECT NULL::uuid AS person_id, 0 AS bits WHERE false";
  const bg = shape.breakGlass
    ? `SELECT DISTINCT ON (person_id) person_id, break_glass_id FROM break_glass WHERE ${ofIds} AND ${GLASS_OPEN}
        ORDER BY person_id, expires_at DESC`
    : "SELECT NULL::uuid AS person_id, NULL::uuid AS break_glass_id WHERE false";
  const obj = shape.objection
    ? `SELECT person_id, array_agg(DISTINCT holding_org_code) AS holders FROM sharing_objection
        WHERE ${ofIds} AND ${OBJECTING} GROUP BY person_id`
    : "SELECT NULL::uuid AS person_id, NULL::text[] AS holders WHERE false";
  return `WITH ids AS MATERIALIZED (
  SELECT ord, encode(substring(packed FROM ord * 16 + 1 FOR 16), 'hex')::uuid AS person_id
    FROM (SELECT decode($1::text, 'base64') AS packed) input, generate_series(0, length(packed) / 16 - 1) AS ord
), hits AS MATERIALIZED (${hits}), bg AS MATERIALIZED (${bg}), obj AS MATERIALIZED (${obj}),
f AS MATERIALIZED (
  SELECT ids.ord, ${shape.known ? 0 : BIT.known} + coalesce(hits.bits, 0) AS mask, bg.break_glass_id, obj.holders
    FROM ids LEFT JOIN hits ON hits.person_id = ids.person_id LEFT JOIN bg ON bg.person_id = ids.person_id
    LEFT JOIN obj ON obj.person_id = ids.person_id
)
SELECT string_agg(chr(48 + mask), '' ORDER BY ord) AS masks,
       (SELECT json_agg(json_build_array(ord, break_glass_id, holders)) FROM f
         WHERE break_glass_id IS NOT NULL OR holders IS NOT NULL) AS extras
  FROM f
 WHERE ${TYPE_PARAMS}`;
}

const RELATION_KINDS = ["registered", "caseload", "care-team", "referral", "admission"] as const;

/**
 * What one person's relationships are on a day, for deciding many scopes at once (the staff who may own an
 * action): for each relationship kind, the scope columns of the person's rows that hold then (the practices they
 * are registered with, the users and teams whose caseload they are on, ...), and who holds an objection. One
 * statement on the person's rows alone (one shard on a cluster), where factsForPerson would run one a scope.
 */
const PERSON_RELATIONS = (() => {
  // The day, instant and window are $2..$4 here; every other scope parameter is matched by relationFacts.
  const renumbered: Record<string, string> = { $5: "$2", $7: "$3", $8: "$4" };
  const dated = (sql: string) => sql.replace(/\$[5-8](?![0-9])/g, (param) => renumbered[param] ?? param);
  const columns = RELATION_KINDS.map((kind) => {
    const f = FACTS[kind];
    const tuple = f.scope.map(([column]) => `${column}::text`).join(", ");
    return `(SELECT coalesce(json_agg(json_build_array(${tuple})), '[]') FROM ${f.table}
      WHERE person_id = $1::uuid AND ${dated(f.when)}) AS "${kind}"`;
  });
  columns.push(`(SELECT array_agg(DISTINCT holding_org_code) FROM sharing_objection
      WHERE person_id = $1::uuid AND ${dated(OBJECTING)}) AS objection_holders`);
  return prepared(
    "gov.facts.relations",
    `SELECT ${columns.join(",\n  ")} WHERE num_nulls($2::date, $3::timestamptz, $4::int) >= 0`,
  );
})();

export type PersonRelations = Record<(typeof RELATION_KINDS)[number], string[][]> & {
  objectionHolders: string[];
};

/** One person's relationships at `at`, to decide many scopes from (relationFacts). */
export async function personRelations(db: Queryable, personId: string, at: Date): Promise<PersonRelations> {
  const [row] = await db.query<Record<string, unknown>>(PERSON_RELATIONS, [
    personId,
    londonDate(at),
    at.toISOString(),
    ADMISSION_WINDOW_DAYS,
  ]);
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v) as string[][];
  return {
    registered: json(row.registered),
    caseload: json(row.caseload),
    "care-team": json(row["care-team"]),
    referral: json(row.referral),
    admission: json(row.admission),
    objectionHolders: (row.objection_holders as string[] | null) ?? [],
  };
}

/**
 * The facts of a person (from personRelations) for one user in one role in one team, as factsForPerson reads
 * them, break-glass aside: it is one clinician's emergency access, not a relationship to decide others by.
 */
export function relationFacts(
  relations: PersonRelations,
  scope: Omit<FactsScope, "at">,
  personId: string,
): PersonFacts {
  const shape = shapeOf(scope.roleAssignment);
  const [userId, teamId, practice, , hospital] = scopeParams({ ...scope, at: new Date(0) });
  const values: Record<ScopeParam, unknown> = { $2: userId, $3: teamId, $4: practice, $6: hospital };
  const holds = (kind: (typeof RELATION_KINDS)[number]) =>
    shape.kinds.has(kind) &&
    relations[kind].some((tuple) =>
      FACTS[kind].scope.every(([, param], i) => values[param] !== null && tuple[i] === String(values[param])),
    );
  return {
    personId,
    known: true,
    registered: holds("registered"),
    caseload: holds("caseload"),
    careTeam: holds("care-team"),
    referral: holds("referral"),
    admission: holds("admission"),
    breakGlassId: null,
    objectionHolders: shape.objection ? relations.objectionHolders : [],
    optedOut: false,
  };
}

/** The bits of a signature (signatureSql); the objection bits never both set. */
export const SIGNATURE = {
  ...BIT,
  breakGlass: 128,
  /** An objection to sharing held by this team's own organisation (which it does not block). */
  objectionHeldByTeam: 256,
  /** An objection held only elsewhere. */
  objectionElsewhere: 512,
} as const;

/** The casts of the scope's parameters $2..$9, in scopeParams' order. */
const SCOPE_CASTS = ["uuid", "uuid", "text", "date", "text", "timestamptz", "int", "text"];

/**
 * The facts of the person in `column` as one integer (SIGNATURE bits), for a query of another capability that
 * must leave out the people the policy would withhold without reading them one by one (a register). The
 * scope's parameters are added through `add` only where the expression uses them. `probe`: for a few hundred
 * rows, an index look-up per row and fact; otherwise each fact's set is read once and hashed.
 */
export function signatureSql(
  scope: FactsScope,
  column: string,
  add: (value: unknown, cast: string) => string,
  probe = false,
): string {
  const values = scopeParams(scope);
  const names: (string | undefined)[] = [];
  let sql = "";
  for (const part of signatureTemplate(shapeOf(scope.roleAssignment), probe)) {
    if (typeof part === "string") sql += part;
    else if (part === COLUMN) sql += column;
    else {
      let name = names[part];
      if (name === undefined) {
        name = add(values[part - 2], SCOPE_CASTS[part - 2]);
        names[part] = name;
      }
      sql += name;
    }
  }
  return sql;
}

/** Where a template takes the person's column (its other numbers are the scope's parameters, 2 to 9). */
const COLUMN = 0;
const COLUMN_MARK = "\u0000";

/**
 * A signature's text by shape and form, cut into its text, the column (COLUMN) and the scope's parameters (their
 * number): every read by id builds a signature, and this is what it would otherwise work out again.
 */
const SIGNATURE_TEMPLATES = new Map<string, (string | number)[]>();

function signatureTemplate(shape: FactsShape, probe: boolean): (string | number)[] {
  const key = `${shapeKey(shape)}|${probe}`;
  let parts = SIGNATURE_TEMPLATES.get(key);
  if (!parts) {
    parts = signatureText(shape, COLUMN_MARK, probe)
      .split(/\$([2-9])(?![0-9])/)
      .flatMap((piece, i) =>
        i % 2 === 1
          ? [Number(piece)]
          : piece.split(COLUMN_MARK).flatMap((text, j) => (j > 0 ? [COLUMN, text] : [text])),
      );
    SIGNATURE_TEMPLATES.set(key, parts);
  }
  return parts;
}

const shapeKey = (shape: FactsShape) =>
  `${+shape.known}${+shape.breakGlass}${+shape.objection}${+shape.optOut}${[...shape.kinds].sort().join(",")}`;

/** The signature's SQL with the scope's parameters as $2..$9 (signatureSql binds them). */
function signatureText(shape: FactsShape, column: string, probe: boolean): string {
  // OFFSET 0 keeps the planner from turning the probe back into a hashed read of the whole set, which it
  // prefers from a few hundred rows up although a page stops after a few dozen.
  const test = (table: string, where: string) =>
    probe
      ? `EXISTS (SELECT 1 FROM ${table} f WHERE f.person_id = ${column} AND ${where} OFFSET 0)`
      : `${column} IN (SELECT person_id FROM ${table} WHERE ${where})`;
  const inSet = (table: string, where: string, bit: number) =>
    `CASE WHEN ${test(table, where)} THEN ${bit} ELSE 0 END`;
  const parts: string[] = [shape.known ? inSet("person", "true", SIGNATURE.known) : String(SIGNATURE.known)];
  const kinds: [string, number][] = [
    ["registered", SIGNATURE.registered],
    ["caseload", SIGNATURE.caseload],
    ["care-team", SIGNATURE.careTeam],
    ["referral", SIGNATURE.referral],
    ["admission", SIGNATURE.admission],
  ];
  for (const [kind, bit] of kinds) {
    if (shape.kinds.has(kind)) parts.push(inSet(FACTS[kind].table, FACTS[kind].where, bit));
  }
  if (shape.optOut) parts.push(inSet("data_opt_out", OBJECTING, SIGNATURE.optedOut));
  if (shape.breakGlass) parts.push(inSet("break_glass", GLASS_OPEN, SIGNATURE.breakGlass));
  if (shape.objection) {
    parts.push(`CASE WHEN ${test("sharing_objection", `${OBJECTING} AND holding_org_code = $6`)}
      THEN ${SIGNATURE.objectionHeldByTeam}
      WHEN ${test("sharing_objection", OBJECTING)} THEN ${SIGNATURE.objectionElsewhere}
      ELSE 0 END`);
  }
  return `(${parts.join(" + ")})`;
}

// A handful of shapes (one per kind of role). Every decision runs the one-person or the probing form, so they
// are prepared statements; the hashed form is for thousands of people (exports), where a plan made for the
// actual team and practice is worth its planning time.
const SQL_CACHE = new Map<string, PreparedStatement | string>();
function cachedSql(
  shape: FactsShape,
  many: boolean,
  probe = false,
  citus = false,
): PreparedStatement | string {
  const key = JSON.stringify([
    shape.known,
    [...shape.kinds].sort(),
    shape.breakGlass,
    shape.objection,
    shape.optOut,
    many,
    probe,
    citus,
  ]);
  let sql = SQL_CACHE.get(key);
  if (!sql) {
    if (!many) sql = preparedText("gov.facts.one", oneFactsSql(shape));
    else if (citus) sql = preparedText("gov.facts.citus", citusFactsSql(shape));
    else
      sql = probe ? preparedText("gov.facts.probe", manyFactsSql(shape, true)) : manyFactsSql(shape, false);
    SQL_CACHE.set(key, sql);
  }
  return sql;
}

export async function factsForPerson(
  db: Queryable,
  scope: FactsScope,
  personId: string,
): Promise<PersonFacts> {
  const rows = await db.query<FactsRow>(cachedSql(shapeOf(scope.roleAssignment), false), [
    personId,
    ...scopeParams(scope),
  ]);
  return toFacts(rows[0]);
}

/** Up to this many people, the set query probes each fact's index per person rather than hashing the sets. */
const PROBE_AT_MOST = 2_000;

/** Facts for each id, in the order given (ids must be distinct UUIDs). */
export async function factsForPeople(
  db: Queryable,
  scope: FactsScope,
  personIds: readonly string[],
): Promise<PersonFacts[]> {
  if (personIds.length === 0) return [];
  // One person (a search by NHS Number): the one-person form, the same facts by primary-key look-ups.
  if (personIds.length === 1)
    return [{ ...(await factsForPerson(db, scope, personIds[0])), personId: personIds[0] }];
  const packed = packIds(personIds).toString("base64");
  const rows = await db.query<{ masks: string | null; extras: unknown }>(
    cachedSql(shapeOf(scope.roleAssignment), true, personIds.length <= PROBE_AT_MOST, isCitus(db)),
    [packed, ...scopeParams(scope)],
  );
  const masks = rows[0]?.masks ?? "";
  if (masks.length !== personIds.length) throw new Error("facts query returned the wrong number of people");
  const extras = new Map<number, [string | null, string[] | null]>();
  const list = (typeof rows[0].extras === "string" ? JSON.parse(rows[0].extras) : rows[0].extras) as
    | [number, string | null, string[] | null][]
    | null;
  for (const [ord, breakGlassId, holders] of list ?? []) extras.set(ord, [breakGlassId, holders]);
  return personIds.map((personId, i) => {
    const m = masks.charCodeAt(i) - 48;
    const [breakGlassId, holders] = extras.get(i) ?? [null, null];
    return {
      personId,
      known: (m & BIT.known) !== 0,
      registered: (m & BIT.registered) !== 0,
      caseload: (m & BIT.caseload) !== 0,
      careTeam: (m & BIT.careTeam) !== 0,
      referral: (m & BIT.referral) !== 0,
      admission: (m & BIT.admission) !== 0,
      breakGlassId,
      objectionHolders: holders ?? [],
      optedOut: (m & BIT.optedOut) !== 0,
    };
  });
}
