// The governed reads behind registers and worklists (a practice's or locality's risk register, a saved
// cohort shown as a register, its CSV export) and the risk model's validation report. Each method decides
// (which registers this team may open, then person by person through the access filter) and writes its
// audit row before anything identifying is read; only the page asked for is then read by id.
import { notFound } from "../core/errors.ts";
import {
  activeModel,
  type CalibrationGroup,
  type Capture,
  checkRegisterFilters,
  countRegister,
  DEFAULT_DIRECTION,
  listModels,
  localityPractices,
  modelByVersion,
  type OrgName,
  type RegisterFilters,
  type RegisterKind,
  type RegisterRow,
  type RegisterViewScope as RegisterScope,
  type RegisterSort,
  type RiskModel,
  registerOrganisation,
  registerPage,
  registerRows,
  type SavedCohortSummary,
  type SortDirection,
  savedCohort,
  savedCohorts,
} from "../risk/index.ts";
import { type AccessGate, accessGate, auditBase, filterPeopleForAccess } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import type { ReaderBase } from "./reader-base.ts";
import { registerCounts } from "./register-counts.ts";
import { londonDate } from "./relationship-facts.ts";
import { suppressSmallCounts } from "./suppression.ts";
import type { Action } from "./types.ts";

export interface RegisterQuery {
  kind: RegisterKind;
  /** Practice or locality code, or saved cohort id. */
  code: string;
  filters?: RegisterFilters;
  sort?: RegisterSort;
  direction?: SortDirection;
  /** 1-based. */
  page?: number;
  pageSize?: number;
}

export interface RegisterHeading {
  kind: RegisterKind;
  code: string;
  /** The practice's or locality's name, or the cohort's description. */
  name: string;
  /** A practice's locality; a cohort's narrowing to the team's practice or locality. */
  parent: OrgName | null;
  within: RegisterScope["within"] | null;
}

export interface RegisterPage {
  heading: RegisterHeading;
  asOf: string | null;
  filters: RegisterFilters;
  sort: RegisterSort;
  direction: SortDirection;
  page: number;
  pageSize: number;
  pages: number;
  /** People meeting the filters whom this user may see (the rows across all pages). */
  shown: number;
  /** People meeting the filters whom this user may not see: counted, never named. */
  withheld: number;
  rows: RegisterRow[];
  /** Whether this role may export the register (the page offers the CSV link only then). */
  mayExport: boolean;
}

export interface RegisterExport {
  heading: RegisterHeading;
  asOf: string | null;
  /** The people in the file: decided and audited before the export is returned. */
  shown: number;
  /**
   * Their rows in the register's order, read from the database a batch at a time as the file is written
   * (EXPORT_BATCH people a query), so a register of any size is never held in memory whole.
   */
  rows: AsyncIterable<RegisterRow>;
  withheld: number;
}

/**
 * How many people's rows an export reads in one query. At 1,000 PostgreSQL chose sequential scans of
 * risk_person and hospital_spell for each batch (~1 s each at Thurrock scale); at 500 it reads them by key.
 */
export const EXPORT_BATCH = 500;

async function* rowsInBatches(
  db: Parameters<typeof registerRows>[0],
  ids: readonly string[],
  asOf: string | null,
): AsyncGenerator<RegisterRow> {
  for (let at = 0; at < ids.length; at += EXPORT_BATCH)
    yield* await registerRows(db, ids.slice(at, at + EXPORT_BATCH), asOf);
}

export interface RegisterIndex {
  /** The team's own practice register and locality register, where it has them. */
  practices: OrgName[];
  localities: OrgName[];
  cohorts: SavedCohortSummary[];
  /** The narrowing a cohort gets for this team (its practice or locality), or null for the whole place. */
  cohortsWithin: RegisterScope["within"] | null;
}

export interface ShownCount {
  count: number | null;
  suppressed: boolean;
}

/** The model report as a commissioner reads it: aggregate only, small counts suppressed. */
export interface ModelReportView {
  model: RiskModel | null;
  versions: { version: number; trainedAt: string }[];
  /** The calibration groups with their observed counts, small ones suppressed. */
  deciles: (CalibrationGroup & { observedShown: ShownCount })[];
  capture: (Capture & { admittedShown: ShownCount })[];
}

export interface RegistersReads {
  /** The registers this identity may open: its practice's, its locality's, and saved cohorts. */
  registers(): Promise<RegisterIndex>;
  /** One page of a register, sorted and filtered, only people this identity may see ("list"). */
  riskRegister(query: RegisterQuery): Promise<RegisterPage>;
  /** Every row of a register this identity may see, for a CSV file ("export"). */
  riskRegisterExport(query: RegisterQuery): Promise<RegisterExport>;
  /** The risk model's validation report (the newest, or a version): aggregate, no person. */
  modelReport(version?: number): Promise<ModelReportView>;
}

export const PAGE_SIZES = [10, 25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 25;

export function registersReads(base: ReaderBase): RegistersReads {
  const { ctx, refuse } = base;
  const { db } = ctx;
  const { role, team } = ctx.roleAssignment;

  /** Lists and exports of people are for direct-care roles whose policy allows the action. */
  const mayAct = (action: Action) => role.accessBasis === "relationship" && role.actions.includes(action);
  const refuseAction = (action: Action): Promise<never> => {
    if (role.accessBasis === "pseudonymised")
      return refuse(action, `the ${role.name} role reads people only as a pseudonymised cohort`);
    if (role.accessBasis === "aggregate")
      return refuse(action, `the ${role.name} role sees aggregate figures only, never a person`);
    if (role.accessBasis !== "relationship")
      return refuse(action, `the ${role.name} role has no access to registers of people`);
    return refuse(
      action,
      action === "export"
        ? `the ${role.name} role may not export registers`
        : `the ${role.name} role may not list people`,
    );
  };

  /** The team's own narrowing of a saved cohort: its practice, its locality, or none (the whole place). */
  const teamWithin = (): RegisterScope["within"] | null => {
    if (team.kind === "practice" && team.orgCode) return { kind: "practice", code: team.orgCode };
    if (team.kind === "locality-mdt" && team.orgCode) return { kind: "locality", code: team.orgCode };
    return null;
  };

  /** Which register this team may open, decided before any person is read; refusals audited. */
  async function scopeFor(query: RegisterQuery, action: Action): Promise<RegisterHeading> {
    if (!mayAct(action)) return refuseAction(action);
    if (query.kind === "cohort") {
      const cohort = await savedCohort(db, query.code);
      return {
        kind: "cohort",
        code: cohort.cohortId,
        name: cohort.description || cohort.cohortId,
        parent: null,
        within: teamWithin(),
      };
    }
    const org = await registerOrganisation(db, query.kind, query.code);
    if (query.kind === "practice") {
      const ownPractice = team.kind === "practice" && team.orgCode === org.code;
      const ownLocality =
        team.kind === "locality-mdt" && team.orgCode !== null && team.orgCode === org.parentCode;
      if (!ownPractice && !ownLocality) {
        return refuse(
          action,
          "a practice's register is open to its own practice team and its locality's MDT",
        );
      }
    } else {
      const ownLocality = team.kind === "locality-mdt" && team.orgCode === org.code;
      const practiceIn =
        team.kind === "practice" &&
        team.orgCode !== null &&
        (await localityPractices(db, org.code)).some((p) => p.code === team.orgCode);
      if (!ownLocality && !practiceIn) {
        return refuse(action, "a locality's register is open to its MDT and its practices' teams");
      }
    }
    const parent =
      query.kind === "practice" && org.parentCode
        ? await registerOrganisation(db, "locality", org.parentCode).catch(() => null)
        : null;
    return { kind: query.kind, code: org.code, name: org.name, parent, within: null };
  }

  /** The register's scope, filters and order as asked (filters checked, the sort's natural direction). */
  function shape(query: RegisterQuery, heading: RegisterHeading) {
    const filters = checkRegisterFilters(query.filters ?? {});
    const sort = query.sort ?? "tier";
    const direction = query.direction ?? DEFAULT_DIRECTION[sort];
    const scope: RegisterScope = {
      kind: heading.kind,
      code: heading.code,
      ...(heading.within ? { within: heading.within } : {}),
    };
    return { filters, sort, direction, scope };
  }

  /**
   * The register's people counted by signature, then shown and withheld. A page reuses the counts for a few
   * seconds (register-counts.ts); an export counts afresh.
   */
  async function counted(scope: RegisterScope, filters: RegisterFilters, gate: AccessGate, fresh: boolean) {
    const count = () => countRegister(db, scope, filters, gate);
    const key = [
      ctx.user.userId,
      team.teamId,
      role.roleCode,
      londonDate(ctx.now ? ctx.now() : new Date()),
      scope,
      filters,
    ];
    const counts = fresh ? await count() : await registerCounts(db, key, count);
    return { asOf: counts.asOf, ...gate.tally(counts.groups) };
  }

  /** What the audit row says of the register the people were picked from. */
  const registerContext = (heading: RegisterHeading, what: string, withheld: number, why: string) =>
    `${heading.kind} register ${heading.code}, ${what}` +
    (withheld > 0 ? `; ${withheld} on it withheld, never read: ${why}` : "");

  return {
    async registers() {
      if (!mayAct("list")) return refuseAction("list");
      const practices: OrgName[] = [];
      const localities: OrgName[] = [];
      if (team.kind === "practice" && team.orgCode) {
        const practice = await registerOrganisation(db, "practice", team.orgCode).catch(() => null);
        if (practice) {
          practices.push(practice);
          const locality = practice.parentCode
            ? await registerOrganisation(db, "locality", practice.parentCode).catch(() => null)
            : null;
          if (locality) localities.push(locality);
        }
      } else if (team.kind === "locality-mdt" && team.orgCode) {
        const locality = await registerOrganisation(db, "locality", team.orgCode).catch(() => null);
        if (locality) {
          localities.push(locality);
          practices.push(...(await localityPractices(db, locality.code)));
        }
      }
      return { practices, localities, cohorts: await savedCohorts(db), cohortsWithin: teamWithin() };
    },

    async riskRegister(query) {
      const heading = await scopeFor(query, "list");
      const gate = accessGate(ctx, "list");
      const { filters, sort, direction, scope } = shape(query, heading);
      const { asOf, shown, withheld, withheldWhy } = await counted(scope, filters, gate, false);
      const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
      const pages = Math.max(1, Math.ceil(shown / pageSize));
      // Past the end (a link from before the register shrank): the last page instead.
      const page = Math.min(Math.max(1, query.page ?? 1), pages);
      const window = { offset: (page - 1) * pageSize, limit: pageSize };
      const ids = await registerPage(db, scope, filters, sort, direction, gate, window, { shown, withheld });
      // The people on this page, decided one by one and audited before a name is read.
      const context = registerContext(
        heading,
        `page ${page} of ${pages} (${shown} shown)`,
        withheld,
        withheldWhy,
      );
      const { allowed } = await filterPeopleForAccess(ctx, ids, "list", context);
      return {
        heading,
        asOf,
        filters,
        sort,
        direction,
        page,
        pageSize,
        pages,
        shown,
        withheld,
        rows: await registerRows(db, allowed, asOf),
        mayExport: mayAct("export"),
      };
    },

    async riskRegisterExport(query) {
      const heading = await scopeFor(query, "export");
      const gate = accessGate(ctx, "export");
      const { filters, sort, direction, scope } = shape(query, heading);
      const counts = await counted(scope, filters, gate, true);
      const { asOf, withheld, withheldWhy } = counts;
      const window = { offset: 0, limit: null };
      const ids = await registerPage(db, scope, filters, sort, direction, gate, window, counts);
      const context = registerContext(heading, "CSV export", withheld, withheldWhy);
      const decided = await filterPeopleForAccess(ctx, ids, "export", context);
      return {
        heading,
        asOf,
        shown: decided.allowed.length,
        rows: rowsInBatches(db, decided.allowed, asOf),
        withheld: withheld + decided.withheld.length,
      };
    },

    modelReport: (version) => modelReport(base, version),
  };
}

/** The risk model's validation report: aggregate figures only, small counts suppressed. */
async function modelReport(base: ReaderBase, version?: number): Promise<ModelReportView> {
  const { ctx, refuse } = base;
  const { db } = ctx;
  const { role } = ctx.roleAssignment;
  if (!role.purposes.includes("commissioning") && !role.purposes.includes("direct-care")) {
    return refuse("view", `the ${role.name} role has no use for the risk model's report`);
  }
  await appendAuditEvent(db, {
    ...auditBase(ctx, "view"),
    personIds: [],
    personCount: 0,
    allowed: true,
    reason: "risk model validation report: aggregate figures, no person",
  });
  const model = version === undefined ? await activeModel(db) : await modelByVersion(db, version);
  if (version !== undefined && !model) {
    throw notFound("risk.no-model-version", `There is no risk model version ${version}.`, {
      hint: "Open the report without a version to see the newest model.",
    });
  }
  const versions = (await listModels(db))
    .map((m) => ({ version: m.version, trainedAt: m.trainedAt }))
    .reverse();
  if (!model) return { model: null, versions, deciles: [], capture: [] };
  const v = model.validation;
  const observed = suppressSmallCounts(v.deciles.map((d) => ({ key: d.group, count: d.observed })));
  const admitted = suppressSmallCounts(
    v.capture.map((c) => ({ key: c.topPercent, count: c.admittedPeople })),
  );
  return {
    model,
    versions,
    deciles: v.deciles.map((d, i) => ({
      ...d,
      observedShown: { count: observed[i].count, suppressed: observed[i].suppressed },
    })),
    capture: v.capture.map((c, i) => ({
      ...c,
      admittedShown: { count: admitted[i].count, suppressed: admitted[i].suppressed },
    })),
  };
}
