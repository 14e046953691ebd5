// Bulk Data Access 2.0 $export jobs: kicked off by a request, run in the background of the server process one
// at a time, their state in fhir_export_job (0971) and their NDJSON files under <exports dir>/<job id>/.
//
// Every person exported passes governance first: for a role with direct-care access, filterPeopleForAccess
// over each batch of people (action "export", one audit row per batch naming the people); for a commissioning
// role, governance's pseudonymised extract (queryPseudonymisedPeople: opt-outs and objections left out,
// k-anonymised, audited; at most 10,000 people, or the whole place for a registered commissioning system:
// wholePlaceExport), and every resource is rewritten so that it carries the keyed pseudonym and nothing
// that identifies the person (bulk-pseudonymise.ts). Files expire (default an hour after the job ends) and are
// deleted; a job the server was running when it stopped is marked failed at the next start.
import { randomUUID } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type AccessContext,
  AccessDenied,
  appendAuditEvent,
  type PseudonymisedPerson,
  type PseudonymKeys,
  pseudonymFor,
  queryPseudonymisedPeople,
} from "../governance/index.ts";
import type { Queryable } from "../store/index.ts";
import { groupMembers } from "./bulk-groups.ts";
import { LINE_TEMPLATES, pseudonymisedLine, templateColumns } from "./bulk-lines.ts";
import { keepElements, type TypeFilters, typeFilterSql } from "./bulk-params.ts";
import { pseudonymisedPatient, pseudonymiseResource } from "./bulk-pseudonymise.ts";
import type { FhirIdentity } from "./identity.ts";
import { FhirError, operationOutcome } from "./outcome.ts";
import { RESOURCE_BY_NAME, RESOURCE_TYPES, toResources } from "./registry.ts";
import { createFhirRepository } from "./repository.ts";
import { SqlParams } from "./sql.ts";
import type { FhirResource, ResourceType, SourceRow } from "./types.ts";

export type ExportLevel = "system" | "patient" | "group";
export type JobState = "queued" | "running" | "completed" | "failed" | "cancelled" | "expired";

/** The types a Patient or Group export holds (the patient compartment); a system export adds Organization. */
export const PATIENT_EXPORT_TYPES = RESOURCE_TYPES.filter((t) => t.personal).map((t) => t.type);
export const SYSTEM_EXPORT_TYPES = RESOURCE_TYPES.map((t) => t.type);
export const OUTPUT_FORMATS = ["application/fhir+ndjson", "application/ndjson", "ndjson"] as const;

/**
 * How many people are decided, read and written at a time: each type's read of a batch is one statement, and
 * one audit row names a batch's people.
 */
export const EXPORT_BATCH = 5000;
/** Types an export reads at once: enough to keep the database and the server both busy, no more of the pool. */
const TYPES_AT_ONCE = 3;
/** Queued or running jobs one caller may have at once; more is a 429. */
export const MAX_ACTIVE_JOBS_PER_CALLER = 2;
/** Governance's cap on one pseudonymised extract (MAX_COHORT_ROWS). */
const MAX_PSEUDONYMISED_PEOPLE = 10_000;
export const DEFAULT_EXPORT_TTL_MS = 60 * 60 * 1000;

export interface ExportRequest {
  level: ExportLevel;
  groupId: string | null;
  types: string[];
  since: Date | null;
  /** The kick-off URL as the audit keeps it. */
  request: string;
  /** _typeFilter: per type, the searches a row must match one of. */
  typeFilters?: TypeFilters;
  /** _elements: the elements kept in each resource (with id, meta and R4's mandatory ones). */
  elements?: string[] | null;
}

export interface OutputFile {
  type: string;
  file: string;
  count: number;
}

export interface ExportJob {
  jobId: string;
  state: JobState;
  level: ExportLevel;
  types: string[];
  pseudonymised: boolean;
  userId: string;
  clientId: string | null;
  request: string;
  transactionTime: Date;
  progress: string;
  output: OutputFile[];
  errors: OutputFile[];
  error: string | null;
  expiresAt: Date | null;
}

export interface BulkExportOptions {
  /** Where the files go: one folder per job. */
  dir: string;
  keys: PseudonymKeys;
  /** How long files are kept after a job ends. */
  ttlMs?: number;
  batchSize?: number;
}

type JobRow = {
  job_id: string;
  state: JobState;
  level: ExportLevel;
  types: string[];
  pseudonymised: boolean;
  user_id: string;
  client_id: string | null;
  role_code?: string;
  team_code?: string | null;
  purpose?: string;
  request: string;
  transaction_time: Date;
  progress: string;
  output: { output: OutputFile[]; errors: OutputFile[] } | null;
  error: string | null;
  expires_at: Date | null;
};

function toJob(row: JobRow): ExportJob {
  return {
    jobId: row.job_id,
    state: row.state,
    level: row.level,
    types: row.types,
    pseudonymised: row.pseudonymised,
    userId: row.user_id,
    clientId: row.client_id,
    request: row.request,
    transactionTime: new Date(row.transaction_time),
    progress: row.progress,
    output: row.output?.output ?? [],
    errors: row.output?.errors ?? [],
    error: row.error,
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
  };
}

class Cancelled extends Error {}

/** The personal types a request asks for, in its order. */
function personalTypes(request: ExportRequest): ResourceType[] {
  return request.types.map((t) => RESOURCE_BY_NAME.get(t) as ResourceType).filter((t) => t.personal);
}

function batchesOf(ids: readonly string[], size: number): string[][] {
  const out: string[][] = [];
  for (let at = 0; at < ids.length; at += size) out.push(ids.slice(at, at + size));
  return out;
}

/** Writes one NDJSON file per type, opened when its first resource comes. */
class NdjsonFiles {
  private readonly files = new Map<
    string,
    {
      handle: Awaited<ReturnType<typeof open>>;
      count: number;
      /** Lines on their way to the file: one write at a time (a type's loop awaits its own writes). */
      buffer: Buffer;
    }
  >();
  private readonly dir: string;
  private readonly elements: readonly string[] | null;
  constructor(dir: string, elements: readonly string[] | null = null) {
    this.dir = dir;
    this.elements = elements;
  }
  async write(type: string, resources: readonly object[]) {
    const elements = this.elements;
    await this.writeEach(
      type,
      resources,
      elements ? (r) => JSON.stringify(keepElements(r as FhirResource, elements)) : (r) => JSON.stringify(r),
    );
  }
  /** Writes each item's line as it is made, so that no line outlives its turn. */
  async writeEach<T>(type: string, items: readonly T[], lineOf: (item: T) => string) {
    if (items.length === 0) return;
    let file = this.files.get(type);
    if (!file) {
      file = {
        handle: await open(join(this.dir, `${type}.ndjson`), "wx", 0o600),
        count: 0,
        buffer: Buffer.allocUnsafe(1 << 20),
      };
      this.files.set(type, file);
    }
    // Each line is encoded straight into a buffer that is written when full: joining a batch into one string,
    // then encoding that, would copy every byte of the export twice more.
    const buffer = file.buffer;
    let at = 0;
    for (const item of items) {
      const line = lineOf(item);
      // A UTF-16 unit takes at most three bytes in UTF-8: room is checked with that bound, never by measuring.
      if (at + line.length * 3 + 1 > buffer.length) {
        if (at > 0) await file.handle.write(buffer, 0, at);
        at = 0;
        if (line.length * 3 + 1 > buffer.length) {
          await file.handle.write(`${line}\n`);
          continue;
        }
      }
      at += buffer.write(line, at, "utf8");
      buffer[at++] = 0x0a;
    }
    if (at > 0) await file.handle.write(buffer, 0, at);
    file.count += items.length;
  }
  async close(): Promise<OutputFile[]> {
    const out: OutputFile[] = [];
    for (const [type, file] of this.files) {
      await file.handle.close();
      out.push({ type, file: `${type}.ndjson`, count: file.count });
    }
    this.files.clear();
    return out;
  }
}

interface Pending {
  jobId: string;
  ctx: AccessContext;
  request: ExportRequest;
  pseudonymised: boolean;
  /** The whole place, pseudonymised, for a registered commissioning system (wholePlaceExport). */
  wholePlace: boolean;
}

/**
 * Whether this kick-off exports the whole place: a system or Patient export by a registered backend client (SMART
 * Backend Services) acting in a role with pseudonymised access, for commissioning: the place's own data
 * warehouse or commissioning system, which an administrator registered for that role and purpose. It gets
 * governance's pseudonymised extract without the 10,000-person cap of an analyst's: the same people left out
 * (opt-outs, objections, deaths), the same k-anonymity, the same audit. A person signed in, or with an API token,
 * keeps the cap; no caller exports the whole place identifiably (a direct-care role exports its relationships).
 */
export function wholePlaceExport(identity: FhirIdentity, level: ExportLevel): boolean {
  return (
    identity.via === "smart-backend" &&
    identity.clientId !== null &&
    identity.roleAssignment.role.accessBasis === "pseudonymised" &&
    identity.purpose === "commissioning" &&
    level !== "group"
  );
}

/**
 * Whether a job is this caller's: the same user or client, acting in the same role, team and purpose as at
 * kick-off (the people in it were decided for those), so another caller, or the same user acting elsewhere,
 * is told there is no such job.
 */
function ownedBy(row: JobRow, identity: FhirIdentity): boolean {
  return (
    row.user_id === identity.user.userId &&
    row.client_id === identity.clientId &&
    row.role_code === identity.roleAssignment.role.roleCode &&
    row.team_code === identity.roleAssignment.team.teamCode &&
    row.purpose === identity.purpose
  );
}

export class BulkExporter {
  private readonly queue: Pending[] = [];
  private readonly cancelled = new Set<string>();
  private running: Promise<void> | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly ttlMs: number;
  private readonly batchSize: number;

  private readonly db: Queryable;
  private readonly options: BulkExportOptions;

  constructor(db: Queryable, options: BulkExportOptions) {
    this.db = db;
    this.options = options;
    this.ttlMs = options.ttlMs ?? DEFAULT_EXPORT_TTL_MS;
    this.batchSize = options.batchSize ?? EXPORT_BATCH;
  }

  /** At server start: jobs a stopped server left unfinished are failed (their caller kicks off again). */
  async start(): Promise<void> {
    // Kept failed until the usual expiry, so that its caller's next poll says why.
    const left = await this.db.query<{ job_id: string }>(
      `UPDATE fhir_export_job SET state = 'failed', finished_at = now(),
              expires_at = now() + make_interval(secs => $1::double precision),
              error = 'the server stopped before the export finished: kick it off again'
        WHERE state IN ('queued', 'running') RETURNING job_id::text`,
      [this.ttlMs / 1000],
    );
    for (const { job_id } of left) await this.removeFiles(job_id);
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep().catch(() => {}), 60_000);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const p of this.queue.splice(0)) this.cancelled.add(p.jobId);
    // Held before the await: the job may end (and clear this.running) while the running ids are read.
    const running = this.running;
    if (running) {
      for (const id of await this.activeIds()) this.cancelled.add(id);
      await running.catch(() => {});
    }
  }

  private async activeIds(): Promise<string[]> {
    const rows = await this.db.query<{ job_id: string }>(
      "SELECT job_id::text FROM fhir_export_job WHERE state = 'running'",
    );
    return rows.map((r) => r.job_id);
  }

  /** Deletes the files of jobs past their expiry. */
  async sweep(): Promise<void> {
    const expired = await this.db.query<{ job_id: string }>(
      `UPDATE fhir_export_job SET state = 'expired'
        WHERE state IN ('completed', 'failed', 'cancelled') AND expires_at <= now() RETURNING job_id::text`,
    );
    for (const { job_id } of expired) await this.removeFiles(job_id);
  }

  private jobDir(jobId: string): string {
    return join(this.options.dir, jobId);
  }

  private async removeFiles(jobId: string) {
    await rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  /** The path of one of a completed job's files, or null when the job has no such file. */
  filePath(job: ExportJob, file: string): string | null {
    const known = [...job.output, ...job.errors].some((o) => o.file === file);
    return known ? join(this.jobDir(job.jobId), file) : null;
  }

  async kickOff(identity: FhirIdentity, ctx: AccessContext, request: ExportRequest): Promise<string> {
    if (this.stopped) throw new FhirError(503, "exception", "the server is stopping: try again shortly");
    const { role } = identity.roleAssignment;
    const pseudonymised = role.accessBasis === "pseudonymised";
    if (!pseudonymised && role.accessBasis !== "relationship") {
      const reason = `the ${role.name} role may not export person-level FHIR resources`;
      await appendAuditEvent(this.db, {
        actorUserId: identity.user.userId,
        actor: identity.user.username,
        roleCode: role.roleCode,
        teamCode: identity.roleAssignment.team.teamCode,
        purpose: identity.purpose,
        action: "export",
        allowed: false,
        personCount: 0,
        reason,
        channel: "fhir",
        clientAddress: ctx.origin.clientAddress ?? null,
        detail: ctx.origin.detail ?? null,
      });
      throw new FhirError(403, "forbidden", reason);
    }
    if (pseudonymised) this.options.keys.keyFor(identity.purpose); // no key: refused now, not in the job
    // A Patient filter (an identifier, a birth date) would map a known person to their pseudonym.
    if (pseudonymised && request.typeFilters?.Patient)
      throw new FhirError(
        400,
        "not-supported",
        "_typeFilter on Patient is refused for a pseudonymised export: it could single out a known person",
      );
    if (request.level === "group" && request.groupId) await groupMembers(this.db, request.groupId); // 404 now
    await this.sweep();
    const [{ n }] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM fhir_export_job WHERE state IN ('queued', 'running') AND user_id = $1
          AND client_id IS NOT DISTINCT FROM $2`,
      [identity.user.userId, identity.clientId],
    );
    if (n >= MAX_ACTIVE_JOBS_PER_CALLER)
      throw new FhirError(
        429,
        "too-costly",
        `at most ${MAX_ACTIVE_JOBS_PER_CALLER} exports may be running for one caller: wait for one to finish, or cancel it`,
      );
    const jobId = randomUUID();
    await this.db.query(
      `INSERT INTO fhir_export_job (job_id, state, level, group_id, types, since, pseudonymised, user_id, client_id,
         role_code, purpose, request, transaction_time, team_code)
       VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), $12)`,
      [
        jobId,
        request.level,
        request.groupId,
        request.types,
        request.since,
        pseudonymised,
        identity.user.userId,
        identity.clientId,
        role.roleCode,
        identity.purpose,
        request.request,
        identity.roleAssignment.team.teamCode,
      ],
    );
    const wholePlace = pseudonymised && wholePlaceExport(identity, request.level);
    this.queue.push({ jobId, ctx, request, pseudonymised, wholePlace });
    this.pump();
    return jobId;
  }

  /** A job as its own caller sees it; null when there is none, or it is another caller's, or it expired. */
  async job(identity: FhirIdentity, jobId: string): Promise<ExportJob | null> {
    if (!/^[0-9a-f-]{36}$/.test(jobId)) return null;
    const [row] = await this.db.query<JobRow>(
      `SELECT job_id::text, state, level, types, pseudonymised, user_id::text, client_id, request, transaction_time,
              progress, output, error, expires_at, role_code, team_code, purpose
         FROM fhir_export_job WHERE job_id = $1::uuid`,
      [jobId],
    );
    if (!row || !ownedBy(row, identity)) return null;
    const job = toJob(row);
    if (job.state === "expired" || job.state === "cancelled") return null;
    if (job.expiresAt && job.expiresAt.getTime() <= Date.now()) {
      await this.sweep();
      return null;
    }
    return job;
  }

  /** Cancels a queued or running job, or deletes a finished one's files. False when there is no such job. */
  async cancel(identity: FhirIdentity, jobId: string): Promise<boolean> {
    const job = await this.job(identity, jobId);
    if (!job) return false;
    this.cancelled.add(jobId);
    const index = this.queue.findIndex((p) => p.jobId === jobId);
    if (index !== -1) this.queue.splice(index, 1);
    // The time is a parameter: Citus refuses a function that is not IMMUTABLE (now()) inside COALESCE.
    await this.db.query(
      `UPDATE fhir_export_job SET state = 'cancelled', finished_at = coalesce(finished_at, $2::timestamptz),
         expires_at = $2::timestamptz
        WHERE job_id = $1::uuid`,
      [jobId, new Date()],
    );
    if (job.state !== "running") await this.removeFiles(jobId); // a running job removes its own at its next batch
    return true;
  }

  private pump() {
    if (this.running || this.stopped) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = this.run(next).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(pending: Pending): Promise<void> {
    const { jobId, ctx } = pending;
    const dir = this.jobDir(jobId);
    const files = new NdjsonFiles(dir, pending.request.elements ?? null);
    try {
      if (this.cancelled.has(jobId)) throw new Cancelled();
      // Only a job still queued starts: a cancel that came in meanwhile stays cancelled.
      const started = await this.db.query(
        "UPDATE fhir_export_job SET state = 'running', progress = 'starting' WHERE job_id = $1 AND state = 'queued' RETURNING job_id",
        [jobId],
      );
      if (started.length === 0) throw new Cancelled();
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const notes = pending.pseudonymised
        ? await this.writePseudonymised(pending, files)
        : await this.writeIdentifiable(pending, files);
      const output = await files.close();
      const errors: OutputFile[] = [];
      if (notes.length > 0) {
        const outcomes = new NdjsonFiles(dir);
        await outcomes.write(
          "OperationOutcome",
          notes.map((n) => operationOutcome("information", "informational", n)),
        );
        errors.push(...(await outcomes.close()));
      }
      if (this.cancelled.has(jobId)) throw new Cancelled();
      const total = output.reduce((s, o) => s + o.count, 0);
      await this.db.query(
        `UPDATE fhir_export_job SET state = 'completed', progress = $2, output = $3::jsonb, finished_at = now(),
                expires_at = now() + make_interval(secs => $4::double precision)
          WHERE job_id = $1 AND state = 'running'`,
        [jobId, `${total} resources`, JSON.stringify({ output, errors }), this.ttlMs / 1000],
      );
    } catch (error) {
      await files.close().catch(() => {});
      await this.removeFiles(jobId);
      if (error instanceof Cancelled) return;
      const message =
        error instanceof FhirError || error instanceof AccessDenied
          ? error.message
          : "the export failed: the server has logged why";
      if (!(error instanceof FhirError || error instanceof AccessDenied))
        ctx.log?.warn({ jobId, errorType: (error as Error).name }, "FHIR bulk export failed");
      await this.db.query(
        `UPDATE fhir_export_job SET state = 'failed', error = $2, finished_at = now(),
                expires_at = now() + make_interval(secs => $3::double precision)
          WHERE job_id = $1 AND state = 'running'`,
        [jobId, message, this.ttlMs / 1000],
      );
    } finally {
      this.cancelled.delete(jobId);
    }
  }

  private async people(request: ExportRequest): Promise<string[]> {
    if (request.level === "group" && request.groupId) return groupMembers(this.db, request.groupId);
    const rows = await this.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM person ORDER BY person_id",
    );
    return rows.map((r) => r.person_id);
  }

  private async progress(jobId: string, done: number, of: number, doing = "people") {
    if (this.cancelled.has(jobId)) throw new Cancelled();
    await this.db.query("UPDATE fhir_export_job SET progress = $2 WHERE job_id = $1", [
      jobId,
      `${done} of ${of} ${doing}`,
    ]);
  }

  /**
   * Writes every type's resources for the batches of people, each type in a loop of its own over the batches and
   * TYPES_AT_ONCE types at a time: the database reads one type's next batch while the server builds and writes
   * another's, the pool keeps connections for the API's requests, and each file keeps the batches' order. The
   * first failure (or a cancel) stops every loop at its next batch, and is thrown once all have stopped, so
   * nothing writes to a job's files after it ended.
   */
  private async writeBatches(
    jobId: string,
    types: readonly ResourceType[],
    batches: readonly string[][],
    write: (type: ResourceType, batch: string[]) => Promise<void>,
  ): Promise<void> {
    const people = batches.reduce((n, b) => n + b.length, 0);
    const doneUpTo = [0];
    for (const batch of batches) doneUpTo.push(doneUpTo[doneUpTo.length - 1] + batch.length);
    let done = 0;
    let reported = 0;
    let stopped = false;
    const cancelled = () => this.cancelled.has(jobId);
    const progress = (n: number) => this.progress(jobId, n, people, "people exported");
    let nextType = 0;
    const loops = await Promise.allSettled(
      Array.from({ length: Math.min(TYPES_AT_ONCE, types.length) }, async () => {
        try {
          while (nextType < types.length) {
            const t = nextType++;
            await writeType(types[t]);
          }
        } catch (error) {
          stopped = true;
          throw error;
        }
      }),
    );
    const failed = loops.find((l) => l.status === "rejected" && !(l.reason instanceof Cancelled));
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (loops.some((l) => l.status === "rejected")) throw new Cancelled();
    async function writeType(type: ResourceType) {
      for (const batch of batches) {
        if (stopped || cancelled()) throw new Cancelled();
        await write(type, batch);
        // Progress in people: the batches done over all types, as if the types went together.
        const even = Math.floor(++done / types.length);
        if (even > reported) {
          reported = even;
          await progress(doneUpTo[even]);
        }
      }
    }
  }

  /**
   * The rows of one type about these people (changed since _since, matching _typeFilter): the source's columns,
   * or `columns` (SQL over the source aliased r).
   *
   * `dense`: the people (in person id order) are most of the place's people between the first and the last, so the
   * rows are read by that range of ids (an index range, in order) rather than person by person, and the rows of
   * anyone else in the range are dropped here before anything is built from them.
   */
  private async rowsOf(
    type: ResourceType,
    personIds: string[],
    request: ExportRequest,
    dense = false,
    columns = "r.*",
  ): Promise<SourceRow[]> {
    const p = new SqlParams();
    const where = dense
      ? [
          `r.person_id BETWEEN ${p.add(personIds[0])}::uuid AND ${p.add(personIds[personIds.length - 1])}::uuid`,
        ]
      : [`r.person_id = ANY(${p.add(personIds)}::uuid[])`];
    if (request.since) where.push(`(r.last_updated IS NULL OR r.last_updated > ${p.add(request.since)})`);
    const filter = typeFilterSql(type, request.typeFilters, p);
    if (filter) where.push(filter);
    const rows = await this.db.query<SourceRow>(
      `SELECT ${columns} FROM (${type.source}) r WHERE ${where.join(" AND ")} ORDER BY r.person_id, r.id`,
      p.values,
    );
    if (!dense) return rows;
    const asked = new Set(personIds);
    return rows.filter((row) => asked.has(row.person_id as string));
  }

  /** The rows of one type about these people, as resources. */
  private async resourcesOf(type: ResourceType, personIds: string[], request: ExportRequest, dense = false) {
    return toResources(this.db, type, await this.rowsOf(type, personIds, request, dense));
  }

  private async writeReferenceData(request: ExportRequest, files: NdjsonFiles) {
    for (const name of request.types) {
      const type = RESOURCE_BY_NAME.get(name) as ResourceType;
      if (type.personal) continue;
      const p = new SqlParams();
      const where: string[] = [];
      if (request.since) where.push(`(r.last_updated IS NULL OR r.last_updated > ${p.add(request.since)})`);
      const filter = typeFilterSql(type, request.typeFilters, p);
      if (filter) where.push(filter);
      const rows = await this.db.query<SourceRow>(
        `SELECT r.* FROM (${type.source}) r ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY r.id`,
        p.values,
      );
      await files.write(type.type, await toResources(this.db, type, rows));
    }
  }

  private async writeIdentifiable(pending: Pending, files: NdjsonFiles): Promise<string[]> {
    const { request, ctx, jobId } = pending;
    const repository = createFhirRepository(this.db, ctx);
    const people = await this.people(request);
    const types = personalTypes(request);
    let withheld = 0;
    // Every person is decided first, a batch at a time (one audit row each), and the people shown are then read
    // in full batches: a caller may see a few in every batch decided (a GP's practice among the whole place), and
    // each read of a type costs about the same for 70 people as for a batch.
    const shown: string[] = [];
    for (let at = 0; at < people.length; at += this.batchSize) {
      await this.progress(jobId, at, people.length, "people decided");
      const batch = people.slice(at, at + this.batchSize);
      const decided = await repository.exportable(batch);
      withheld += decided.withheld;
      for (const id of batch) if (decided.shown.has(id)) shown.push(id);
    }
    await this.writeBatches(jobId, types, batchesOf(shown, this.batchSize), async (type, batch) =>
      files.write(type.type, await this.resourcesOf(type, batch, request)),
    );
    await this.writeReferenceData(request, files);
    return withheld > 0
      ? [
          `${withheld} ${withheld === 1 ? "person was" : "people were"} not exported: this caller has no legitimate relationship, or the person objects to sharing`,
        ]
      : [];
  }

  private async writePseudonymised(pending: Pending, files: NdjsonFiles): Promise<string[]> {
    const { request, ctx, jobId, wholePlace } = pending;
    const key = this.options.keys.keyFor(ctx.purpose);
    const disclosed = await queryPseudonymisedPeople(ctx, {}, this.options.keys, "export", { wholePlace });
    const byPseudonym = new Map<string, PseudonymisedPerson>(disclosed.map((p) => [p.pseudonym, p]));
    const candidates = await this.people(request);
    const pseudonyms = new Map<string, string>();
    const people = candidates.filter((id) => {
      const pseudonym = pseudonymFor(key, id);
      if (!byPseudonym.has(pseudonym)) return false;
      pseudonyms.set(id, pseudonym);
      return true;
    });
    const pseudonymOf = (id: string) =>
      pseudonyms.get(id) ?? pseudonyms.get(id.toLowerCase()) ?? pseudonymFor(key, id);
    const ps = { key, pseudonymOf };
    const patientOf = (id: string) =>
      pseudonymisedPatient(byPseudonym.get(pseudonyms.get(id) as string) as PseudonymisedPerson);
    // The whole place, or a system export of most of it: read by ranges of person ids (resourcesOf).
    const dense = request.level !== "group" && people.length >= candidates.length * 0.8;
    await this.writeBatches(
      jobId,
      personalTypes(request),
      batchesOf(people, this.batchSize),
      async (type, batch) => {
        if (type.type === "Patient") {
          const changed = await this.changedPeople(batch, request.since);
          await files.write("Patient", batch.filter((id) => changed.has(id)).map(patientOf));
          return;
        }
        // Written line by line from the rows where the type has a template (not when _elements trims resources).
        const template = request.elements ? undefined : LINE_TEMPLATES.get(type.type);
        if (template) {
          const rows = await this.rowsOf(type, batch, request, dense, templateColumns(template));
          await template.complete?.(this.db, rows, dense);
          await files.writeEach(type.type, rows, (row) => pseudonymisedLine(type, template, row, ps));
          return;
        }
        const resources = await this.resourcesOf(type, batch, request, dense);
        await files.write(
          type.type,
          resources.map((r) => pseudonymiseResource(r, key, pseudonymOf)),
        );
      },
    );
    await this.writeReferenceData(request, files);
    const withheld = candidates.length - people.length;
    const notes = [
      `Pseudonymised for ${ctx.purpose}: person ids are keyed pseudonyms; no NHS Number, name, date of birth or full postcode.`,
    ];
    if (wholePlace)
      notes.push("The whole place: every person the governance rules let through, with no cap.");
    if (withheld > 0)
      notes.push(
        `${withheld} ${withheld === 1 ? "person was" : "people were"} not exported: a national data opt-out or an objection to sharing, death, or too few look-alikes to keep them unidentifiable`,
      );
    if (!wholePlace && candidates.length > MAX_PSEUDONYMISED_PEOPLE)
      notes.push("A pseudonymised extract holds at most 10,000 people: export a Group to narrow it.");
    return notes;
  }

  private async changedPeople(personIds: string[], since: Date | null): Promise<Set<string>> {
    if (!since) return new Set(personIds);
    const rows = await this.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM person WHERE person_id = ANY($1::uuid[]) AND received_at > $2",
      [personIds, since],
    );
    return new Set(rows.map((r) => r.person_id));
  }
}
