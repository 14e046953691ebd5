// The FHIR API's governed reads: every read of a person's resources is decided by governance (decideAccess for
// one person, filterPeopleForAccess for a set) and audited with the query before a row is read; a refusal is
// an AccessDenied the routes answer with a 403 OperationOutcome. Rows come from the canonical tables through
// each type's subquery (registry.ts), never from a copy.
import { isUuid } from "../core/ids.ts";
import {
  type AccessContext,
  type AccessDecision,
  AccessDenied,
  appendAuditEvent,
  decideAccess,
  filterPeopleForAccess,
  type PersonGate,
  personGate,
  type RefusalKind,
} from "../governance/index.ts";
import {
  GroupedStatements,
  isCitus,
  type PreparedStatement,
  peopleHoldingNhsNumbers,
  preparedText,
  type Queryable,
  type Row,
} from "../store/index.ts";
import { badRequest, FhirError, notFoundError } from "./outcome.ts";
import { COMMON_PARAMS, RESOURCE_BY_NAME, RESOURCE_TYPES, toResources } from "./registry.ts";
import { nhsNumbersSearched } from "./resources/patient.ts";
import { countOf, dateSql, offsetOf, parseDate, type Query, single, valuesOf } from "./search-params.ts";
import { SqlParams } from "./sql.ts";
import type { FhirResource, ResourceType, SourceRow } from "./types.ts";

export interface SearchResult {
  resources: FhirResource[];
  /** Resources asked for by _include (the Patient the matches are about). */
  included: FhirResource[];
  total: number;
  /** People a set search found but may not show this caller (counted, never named). */
  withheld: number;
}

/** A _revinclude that would add this many resources must be paged more finely. */
export const MAX_REVINCLUDED = 2001;

/** Patient searches that match more people than this must be narrowed. */
export const MAX_PATIENT_MATCHES = 1000;

function uuidParam(p: SqlParams, raw: string): string | null {
  return /^[0-9A-Fa-f-]{36}$/.test(raw) ? `${p.add(raw.toLowerCase())}` : null;
}

/** The WHERE clauses of a search, from the type's own parameters and _id. */
function criteria(type: ResourceType, query: Query, p: SqlParams): string[] {
  const where: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined || (COMMON_PARAMS as readonly string[]).includes(name)) continue;
    const param = type.params[name];
    if (!param) throw new FhirError(400, "not-supported", `${type.type} has no search parameter ${name}`);
    for (const value of valuesOf(query, name)) where.push(param.sql(value, p));
  }
  for (const value of valuesOf(query, "_lastUpdated")) {
    where.push(dateSql("r.last_updated", parseDate("_lastUpdated", value), (v) => p.add(v)));
  }
  for (const value of valuesOf(query, "_id")) {
    const ids = value.split(",").map((id) => type.idSql(id, p) ?? "false");
    where.push(`(${ids.join(" OR ")})`);
  }
  return where;
}

/** Sort keys a search may name: the type's date (when it has a date parameter) and when the row was received. */
function sortOrder(type: ResourceType, query: Query): string {
  const raw = single(query, "_sort");
  if (raw === undefined) return type.order;
  const keys = raw.split(",").map((key) => {
    const descending = key.startsWith("-");
    const name = descending ? key.slice(1) : key;
    const dir = descending ? "DESC" : "ASC";
    if (name === "_lastUpdated") return `r.last_updated ${dir} NULLS LAST`;
    if (name === "date" && type.params.date?.type === "date") return `r.at ${dir} NULLS LAST`;
    if (name === "_id") return `r.id ${dir}`;
    throw new FhirError(
      400,
      "not-supported",
      `${type.type} can be sorted by ${type.params.date?.type === "date" ? "date, " : ""}_lastUpdated or _id (- before one for descending)`,
    );
  });
  return [...keys, "r.id"].join(", ");
}

/** The one person a search is about (patient= or subject=), or null when it names none. */
function personOf(query: Query, p: SqlParams): string | null {
  const refs = [...valuesOf(query, "patient"), ...valuesOf(query, "subject")];
  if (refs.length === 0) return null;
  const ids = new Set(
    refs
      .flatMap((r) => r.split(","))
      .map((r) => {
        const m = /([0-9A-Fa-f-]{36})$/.exec(r);
        if (!m || !isUuid(m[1]) || uuidParam(p, m[1]) === null)
          throw badRequest("patient must reference a Patient by id");
        return m[1].toLowerCase();
      }),
  );
  if (ids.size > 1) throw badRequest("a search is about one patient at a time");
  return [...ids][0];
}

export interface FhirRepository {
  read(type: ResourceType, id: string): Promise<FhirResource>;
  search(type: ResourceType, query: Query): Promise<SearchResult>;
  count(type: ResourceType, query: Query): Promise<number>;
  everything(personId: string): Promise<FhirResource[]>;
  /** Of these people, those whose whole record this caller may export (one audit row for the lot). */
  exportable(personIds: string[]): Promise<{ shown: Set<string>; withheld: number }>;
}

/** A column a read adds to its rows: the access signature of their person (governance's PersonGate). */
const SIGNATURE_COLUMN = "access_signature";

/**
 * The type's subquery; for the rows of one person (`person`: the SQL of their id, which `where` must also
 * filter r.person_id on) its form whose subqueries name the person, so that on Citus the statement goes to the
 * person's shard alone (ResourceType.personSource).
 */
const sourceOf = (type: ResourceType, person?: string) =>
  person && type.personSource ? type.personSource(person) : type.source;

async function selectRows(
  db: Queryable,
  type: ResourceType,
  where: string[],
  p: SqlParams,
  page?: { count: number; offset: number },
  order: string | null = type.order,
  signature: string | null = null,
  person?: string,
) {
  const extra = signature ? `, ${signature} AS ${SIGNATURE_COLUMN}` : "";
  const sql = selectSql(type, where, page, order, extra, person);
  return readRows<SourceRow & { total: number }>(db, sql, p.values);
}

/** `order` null: the rows are one at most, found by their key (a read by id), so no total and nothing to sort. */
function selectSql(
  type: ResourceType,
  where: string[],
  page: { count: number; offset: number } | undefined,
  order: string | null,
  extra = "",
  person?: string,
): string {
  return `SELECT r.*${order === null ? "" : ", count(*) OVER () AS total"}${extra} FROM (${sourceOf(type, person)}) r
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}${order === null ? "" : ` ORDER BY ${order}`}
      ${page ? `LIMIT ${page.count} OFFSET ${page.offset}` : ""}`;
}

/**
 * One person's rows and that person's access signature, in one statement that returns the signature even when
 * no row matches (one row of nulls then, left out here): a person with no observations is decided without
 * another trip. With no signature (Citus) it is selectRows.
 */
async function selectPersonRows(
  db: Queryable,
  type: ResourceType,
  where: string[],
  p: SqlParams,
  page: { count: number; offset: number },
  order: string,
  signature: string | null,
  person: string,
): Promise<{ rows: (SourceRow & { total: number })[]; signature: number | null }> {
  if (!signature)
    return { rows: await selectRows(db, type, where, p, page, order, null, person), signature: null };
  // One outer row, so the lateral subquery's rows come out in its own order.
  const sql = `SELECT q.*, g.${SIGNATURE_COLUMN} FROM (SELECT ${signature} AS ${SIGNATURE_COLUMN}) g
    LEFT JOIN LATERAL (${selectSql(type, where, page, order, "", person)}) q ON true`;
  const found = await readRows<SourceRow & { total: number | null }>(db, sql, p.values);
  const value = found[0]?.[SIGNATURE_COLUMN];
  return {
    rows: found.filter((r) => r.total !== null) as (SourceRow & { total: number })[],
    signature: value === undefined || value === null ? null : Number(value),
  };
}

/**
 * The statements of the common reads (by id, a person's resources, a search by one identifier) come in a
 * few shapes, each run thousands of times: prepared, they are parsed once per connection and planned once
 * (a generic plan) instead of on every request. The first PREPARED_SHAPES texts are prepared (a read by id
 * and a person's search of each type is about 40); any further one (an unusual combination of search
 * parameters or page sizes) is sent as text, so a caller cannot make each connection keep an unbounded
 * number of plans. Only scalar parameters: an array travels as a literal, which
 * a prepared statement on PGlite would serialise by its element type.
 */
const PREPARED_SHAPES = 64;
/**
 * Each shape's statements by the length of their text, compared whole: a request's text is a few kB built
 * afresh, and a Map keyed by the text itself hashed all of it on every request (3% of a read by id's server CPU).
 */
const preparedShapes = new Map<number, PreparedStatement[]>();
let preparedCount = 0;

function preparedOrText(sql: string, values: readonly unknown[]): string | PreparedStatement {
  if (values.some((v) => v !== null && typeof v === "object")) return sql;
  const sameLength = preparedShapes.get(sql.length);
  const known = sameLength?.find((statement) => statement.text === sql);
  if (known) return known;
  if (preparedCount >= PREPARED_SHAPES) return sql;
  const statement = preparedText("fhir.read", sql);
  if (sameLength) sameLength.push(statement);
  else preparedShapes.set(sql.length, [statement]);
  preparedCount++;
  return statement;
}

/**
 * Reads of the common shapes asked at once by concurrent requests (a read by id each, a person's observations
 * each) go to the database together, one statement per batch (store's GroupedStatements): each request gets the
 * rows its own statement would have returned and is decided and audited on its own, as before.
 */
export const GROUPED_READS = new GroupedStatements();

function readRows<T extends Row>(db: Queryable, sql: string, values: unknown[]): Promise<T[]> {
  const statement = preparedOrText(sql, values);
  return typeof statement === "string"
    ? db.query<T>(statement, values)
    : GROUPED_READS.query<T>(db, statement, values);
}

/**
 * _revinclude=Condition:patient (or Encounter, or :subject) on a Patient search: the conditions or encounters
 * of the Patients on the page. Those people were decided for this search; a role that may see only
 * demographics (identity administration) is refused rather than shown their record.
 */
async function withRevIncludes(
  db: Queryable,
  role: AccessContext["roleAssignment"]["role"],
  query: Query,
  result: SearchResult,
): Promise<SearchResult> {
  const asked = valuesOf(query, "_revinclude");
  if (asked.length === 0) return result;
  const types = asked.map((value) => {
    const m = /^(Condition|Encounter):(patient|subject)$/.exec(value);
    if (!m)
      throw new FhirError(
        400,
        "not-supported",
        "_revinclude supports Condition:patient and Encounter:patient only",
      );
    return RESOURCE_BY_NAME.get(m[1]) as ResourceType;
  });
  if (role.accessBasis === "identity-admin")
    throw new FhirError(403, "forbidden", `the ${role.name} role sees demographics only: no _revinclude`);
  const people = result.resources.map((r) => r.id);
  if (people.length === 0) return result;
  const included: FhirResource[] = [];
  for (const type of new Set(types)) {
    const p = new SqlParams();
    const { where, person } = ofPeople(people, p);
    const found = await selectRows(
      db,
      type,
      [where],
      p,
      { count: MAX_REVINCLUDED, offset: 0 },
      type.order,
      null,
      person,
    );
    if (found.length === MAX_REVINCLUDED)
      throw new FhirError(
        400,
        "too-costly",
        `more than ${MAX_REVINCLUDED - 1} resources to include: page with a smaller _count`,
      );
    included.push(...(await toResources(db, type, found)));
  }
  return { ...result, included: [...result.included, ...included] };
}

/** _include=<Type>:patient (or :subject): the Patients the page's resources are about, already decided. */
async function withIncludes(
  db: Queryable,
  role: AccessContext["roleAssignment"]["role"],
  type: ResourceType,
  query: Query,
  result: SearchResult,
): Promise<SearchResult> {
  if (type.type === "Patient") return withRevIncludes(db, role, query, result);
  if (valuesOf(query, "_revinclude").length > 0)
    throw new FhirError(400, "not-supported", "_revinclude is offered on Patient searches only");
  const asked = valuesOf(query, "_include");
  if (asked.length === 0) return result;
  for (const include of asked) {
    if (
      type.type === "Patient" ||
      (include !== `${type.type}:patient` && include !== `${type.type}:subject`)
    ) {
      throw new FhirError(
        400,
        "not-supported",
        `_include supports ${type.type}:patient and ${type.type}:subject only`,
      );
    }
  }
  const people = [
    ...new Set(
      result.resources.map(
        (r) => /^Patient\/(.+)$/.exec(String((r.subject as { reference?: string })?.reference))?.[1],
      ),
    ),
  ].filter((id): id is string => id !== undefined);
  if (people.length === 0) return result;
  const patientType = RESOURCE_TYPES[0];
  const p = new SqlParams();
  const { where, person } = ofPeople(people, p);
  const rowsFound = await selectRows(db, patientType, [where], p, undefined, patientType.order, null, person);
  return { ...result, included: await toResources(db, patientType, rowsFound) };
}

/**
 * The rows of the people an include names. One person (a search by patient, a Patient found by NHS Number) is
 * read as `= $1` in the type's form that names the person: on Citus a router query to their shard, where
 * `= ANY(...)` and the type's correlated subqueries went to every shard. Several people are one statement still.
 */
function ofPeople(people: string[], p: SqlParams): { where: string; person?: string } {
  if (people.length !== 1) return { where: `r.person_id = ANY(${p.add(people)}::uuid[])` };
  const person = `${p.add(people[0])}::uuid`;
  return { where: `r.person_id = ${person}`, person };
}

const add = (p: SqlParams) => (value: unknown, cast: string) => `${p.add(value)}::${cast}`;

const signatureOf = (row: SourceRow | undefined): number | null =>
  row?.[SIGNATURE_COLUMN] === undefined || row[SIGNATURE_COLUMN] === null
    ? null
    : Number(row[SIGNATURE_COLUMN]);

/** The rows matching `where` (its parameters the first of `values`: a signature's are left out). */
async function countWhere(
  db: Queryable,
  type: ResourceType,
  where: string[],
  values: unknown[],
  person?: string,
): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (${sourceOf(type, person)}) r ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`,
    values,
  );
  return Number(row.n);
}

/**
 * One person's resources, read with their access signature, shown only once `decide` has decided (and
 * audited): it throws when they may not be shown.
 */
async function personSearch(
  db: Queryable,
  gate: PersonGate,
  decide: (signature: number | null) => Promise<unknown>,
  type: ResourceType,
  personId: string,
  query: Query,
): Promise<SearchResult> {
  const p = new SqlParams();
  const person = `${p.add(personId)}::uuid`;
  const where = [
    `r.person_id = ${person}`,
    ...criteria(type, { ...query, patient: undefined, subject: undefined }, p),
  ];
  const count = countOf(query);
  const whereValues = p.values.length;
  const offset = offsetOf(query);
  const { rows: found, signature } = await selectPersonRows(
    db,
    type,
    where,
    p,
    { count, offset },
    sortOrder(type, query),
    gate.signature(person, add(p)),
    person,
  );
  await decide(signature);
  // Nothing on the page: none at all when it was the first (and asked for any); else they are counted.
  const total =
    found.length > 0
      ? Number(found[0].total)
      : offset === 0 && count > 0
        ? 0
        : await countWhere(db, type, where, p.values.slice(0, whereValues), person);
  return { resources: await toResources(db, type, found), included: [], total, withheld: 0 };
}

/**
 * On Citus, the people a Patient search by NHS Number can find, from the numbers' routes (a shard a number), as
 * a filter (ofPeople): the search then reads those people's shards alone, where the number filter on person went
 * to every shard; "nobody" when no one holds them. Null when the search names no NHS Number alone, and on one
 * server (person's index on the number serves).
 */
async function holdersSearched(
  db: Queryable,
  type: ResourceType,
  query: Query,
  p: SqlParams,
): Promise<ReturnType<typeof ofPeople> | "nobody" | null> {
  if (type.type !== "Patient" || !isCitus(db)) return null;
  const numbers = nhsNumbersSearched(query);
  if (!numbers) return null;
  const holders = new Set((await peopleHoldingNhsNumbers(db, numbers)).map((r) => r.person_id));
  return holders.size === 0 ? "nobody" : ofPeople([...holders], p);
}

export function createFhirRepository(db: Queryable, ctx: AccessContext): FhirRepository {
  const { role } = ctx.roleAssignment;
  /** What a type needs of a decision: demographics suffice for Patient to identity administrators. */
  const requires = (type: ResourceType) =>
    type.type === "Patient" && role.accessBasis === "identity-admin" ? undefined : ("identifiable" as const);

  /**
   * No legitimate relationship is answered exactly as a resource that does not exist (404, the same words), so
   * that a caller with no relationship cannot tell whether a person is known here: break-glass on a person who
   * does not exist is a 404 too. The audit row keeps the real reason. A role that may not read anyone is told
   * so (403, it says nothing of the person), and so is an objection to sharing, as the web pages do.
   */
  const UNSEEN: ReadonlySet<RefusalKind | undefined> = new Set(["no-relationship", "no-such-person"]);

  const gateFor = (type: ResourceType, action: "view" | "search") =>
    personGate(ctx, action, { requires: requires(type) });

  /** The decision for one person (audited); `read`: the gate whose statement also read their signature. */
  async function decideOne(
    type: ResourceType,
    personId: string,
    absent: string,
    read?: { gate: PersonGate; signature: number | null },
  ): Promise<AccessDecision> {
    const decision = read
      ? await read.gate.decide(personId, read.signature)
      : await decideAccess({ ...ctx, person: personId, action: "view", requires: requires(type) });
    if (!decision.allow)
      throw UNSEEN.has(decision.refusal) ? notFoundError(absent) : new AccessDenied(decision);
    return decision;
  }

  /** Only the people whose decision lets this type be shown; one audit row for the lot. */
  async function filterPeople(
    type: ResourceType,
    people: string[] | { gate: PersonGate; signatures: Map<string, number | null> },
    action: "view" | "search" | "export",
  ) {
    if (role.accessBasis === "pseudonymised" || role.accessBasis === "aggregate") {
      const reason = `the ${role.name} role does not read identifiable FHIR resources`;
      await appendAuditEvent(db, {
        actorUserId: ctx.user.userId,
        actor: ctx.user.username,
        roleCode: role.roleCode,
        teamCode: ctx.roleAssignment.team.teamCode,
        purpose: ctx.purpose,
        action,
        allowed: false,
        personCount: 0,
        reason,
        channel: ctx.origin.channel,
        clientAddress: ctx.origin.clientAddress ?? null,
        detail: ctx.origin.detail ?? null,
      });
      throw new AccessDenied({
        allow: false,
        reason,
        relationship: null,
        disclosure: null,
        flagged: false,
        breakGlassId: null,
      });
    }
    const { allowed, withheld, decisions } = Array.isArray(people)
      ? await filterPeopleForAccess(ctx, people, action)
      : await people.gate.filter(people.signatures);
    const need = requires(type);
    const shown = new Set(allowed.filter((id) => !need || decisions.get(id)?.disclosure === need));
    return { shown, withheld: withheld.length + (allowed.length - shown.size) };
  }

  const rows = (
    type: ResourceType,
    where: string[],
    p: SqlParams,
    page?: { count: number; offset: number },
    order: string | null = type.order,
    signature: string | null = null,
    person?: string,
  ) => selectRows(db, type, where, p, page, order, signature, person);

  const searchOnePerson = (type: ResourceType, personId: string, query: Query) => {
    const gate = gateFor(type, "view");
    const decide = (signature: number | null) =>
      decideOne(type, personId, "there is no Patient with this id", { gate, signature });
    return personSearch(db, gate, decide, type, personId, query);
  };

  /** A search that names no patient: the matching people are filtered, and only those shown are paged. */
  async function searchAcrossPeople(type: ResourceType, query: Query): Promise<SearchResult> {
    const p = new SqlParams();
    const where = criteria(type, query, p);
    if (where.length === 0) {
      throw new FhirError(400, "too-costly", `a ${type.type} search needs at least one search parameter`);
    }
    const action = type.type === "Patient" ? "search" : "view";
    const gate = gateFor(type, action);
    const only = await holdersSearched(db, type, query, p);
    const matched =
      only === "nobody"
        ? []
        : await rows(
            type,
            only ? [...where, only.where] : where,
            p,
            { count: MAX_PATIENT_MATCHES + 1, offset: 0 },
            sortOrder(type, query),
            gate.signature("r.person_id", add(p)),
            only?.person,
          );
    if (matched.length > MAX_PATIENT_MATCHES) {
      throw new FhirError(400, "too-costly", `more than ${MAX_PATIENT_MATCHES} matches: narrow the search`);
    }
    const signatures = new Map(matched.map((r) => [r.person_id as string, signatureOf(r)]));
    const { shown, withheld } = await filterPeople(type, { gate, signatures }, action);
    const visible = matched.filter((r) => shown.has(r.person_id as string));
    const offset = offsetOf(query);
    const resources = await toResources(db, type, visible.slice(offset, offset + countOf(query)));
    return { resources, included: [], total: visible.length, withheld };
  }

  async function search(type: ResourceType, query: Query): Promise<SearchResult> {
    if (!type.personal) {
      const p = new SqlParams();
      const where = criteria(type, query, p);
      const found = await rows(
        type,
        where,
        p,
        { count: countOf(query), offset: offsetOf(query) },
        sortOrder(type, query),
      );
      const total = found.length > 0 ? Number(found[0].total) : await countWhere(db, type, where, p.values);
      return { resources: await toResources(db, type, found), included: [], total, withheld: 0 };
    }
    const person = type.type === "Patient" ? null : personOf(query, new SqlParams());
    if (person) return searchOnePerson(type, person, query);
    if (type.type !== "Patient" && valuesOf(query, "_id").length === 0) {
      throw new FhirError(400, "too-costly", `a ${type.type} search needs patient (or subject) or _id`);
    }
    return searchAcrossPeople(type, query);
  }

  return {
    async read(type, id) {
      const p = new SqlParams();
      // A Patient's id is their person's: read in the form that names the person (one shard on Citus).
      const person = type.type === "Patient" && isUuid(id) ? `${p.add(id.toLowerCase())}::uuid` : undefined;
      const match = person ? `r.person_id = ${person}` : type.idSql(id, p);
      if (match === null) throw notFoundError(`there is no ${type.type} with this id`);
      const gate = type.personal ? gateFor(type, "view") : null;
      const signature = gate?.signature("r.person_id", add(p)) ?? null;
      // A Patient by its person's id is one row at most (person and death by their key): read without the
      // window's total and the sort a search needs (about a tenth of the grouped statement's backend CPU).
      const order = person ? null : type.order;
      const [row] = await rows(type, [match], p, { count: 1, offset: 0 }, order, signature, person);
      if (!row) throw notFoundError(`there is no ${type.type} with this id`);
      if (gate)
        await decideOne(type, row.person_id as string, `there is no ${type.type} with this id`, {
          gate,
          signature: signatureOf(row),
        });
      const [resource] = await toResources(db, type, [row]);
      if (!resource) throw notFoundError(`there is no ${type.type} with this id`);
      return resource;
    },
    search: async (type, query) => withIncludes(db, role, type, query, await search(type, query)),
    async count(type, query) {
      if (single(query, "_summary") !== "count") throw badRequest("_summary supports count only");
      return (await search(type, { ...query, _count: "0", _offset: undefined })).total;
    },
    exportable: (personIds) => filterPeople(RESOURCE_TYPES[2], personIds, "export"),
    async everything(personId) {
      const patientType = RESOURCE_TYPES[0];
      if (!isUuid(personId)) throw notFoundError("there is no Patient with this id");
      const id = personId.toLowerCase();
      // Every statement names the person (r.person_id = $1 and the type's personSource): one shard on Citus.
      const ofPerson = (type: ResourceType, page?: { count: number; offset: number }) => {
        const p = new SqlParams();
        const person = `${p.add(id)}::uuid`;
        return rows(type, [`r.person_id = ${person}`], p, page, type.order, null, person);
      };
      const [patient] = await ofPerson(patientType, { count: 1, offset: 0 });
      if (!patient) throw notFoundError("there is no Patient with this id");
      await decideOne(RESOURCE_TYPES[2], personId, "there is no Patient with this id");
      const out: FhirResource[] = await toResources(db, patientType, [patient]);
      for (const type of RESOURCE_TYPES) {
        if (!type.personal || type.type === "Patient") continue;
        out.push(...(await toResources(db, type, await ofPerson(type))));
      }
      return out;
    },
  };
}
