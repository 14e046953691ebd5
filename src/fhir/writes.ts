// Writes: a transaction or batch Bundle POSTed to the base goes through ingest's FHIR path (loadFhirBundle: the
// same mapping and checks as a FHIR file, rejects kept for repair, the master person index, upserts on
// provenance), as the source system the backend client was registered to write as. Only such clients write,
// each entry's type needing a c (POST) or u (PUT) scope; every write and every refusal is audited.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { appendAuditEvent } from "../governance/index.ts";
import {
  type BundleEntryOutcome,
  type BundleKind,
  type BundleLoadResult,
  loadFhirBundle,
  type PeopleTouched,
} from "../ingest/index.ts";
import type { Db } from "../store/index.ts";
import {
  boundReferences,
  type Condition,
  conditionalEntries,
  evaluateCondition,
} from "./conditional-create.ts";
import type { FhirIdentity } from "./identity.ts";
import { FhirError, type IssueType } from "./outcome.ts";
import type { FhirRepository } from "./repository.ts";
import { type Interaction, scopesAllow } from "./scopes.ts";
import type { FhirResource } from "./types.ts";

/** The largest Bundle taken in one request (a 26-resource Bundle is about 40 KB). */
export const WRITE_BODY_LIMIT = 16 * 1024 * 1024;
const MAX_ENTRIES = 10_000;

export interface WriteDeps {
  identityOf(request: FastifyRequest): FhirIdentity;
  /** Writes a refused request's audit row, then throws the 403. */
  refuse(request: FastifyRequest, identity: FhirIdentity, reason: string): Promise<never>;
  send(reply: FastifyReply, status: number, body: unknown): FastifyReply;
  /** The client's governed reader for a conditional create's search (its audit row names the search). */
  repository(request: FastifyRequest, search: string): FhirRepository;
  /** Where the people a write changed are queued for rescoring, in its transaction. */
  touched: PeopleTouched;
}

type Entry = {
  resource?: { resourceType?: unknown };
  request?: { method?: unknown; ifNoneExist?: unknown };
};

/** The body as a transaction or batch Bundle, or a 400 saying what to send instead. */
export function readBundle(body: unknown): {
  bundle: Record<string, unknown>;
  raw: string;
  kind: BundleKind;
} {
  let bundle: unknown = body;
  let raw: string;
  if (typeof body === "string") {
    raw = body.replace(/^\uFEFF/, "");
    try {
      bundle = JSON.parse(raw);
    } catch {
      throw new FhirError(
        400,
        "structure",
        "The body is not valid JSON: send a Bundle of type transaction or batch as application/fhir+json.",
      );
    }
  } else raw = JSON.stringify(body ?? null);
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle))
    throw new FhirError(
      400,
      "structure",
      "The body is not a FHIR resource: send a Bundle of type transaction or batch.",
    );
  const b = bundle as Record<string, unknown>;
  if (b.resourceType !== "Bundle") {
    const type =
      typeof b.resourceType === "string" ? b.resourceType.replace(/[^A-Za-z]/g, "").slice(0, 40) : "";
    throw new FhirError(
      400,
      "not-supported",
      `POST to the base takes a Bundle of type transaction or batch${type ? `, not a ${type}` : " (resourceType is missing)"}: to send one resource, put it in a batch Bundle as an entry with request POST.`,
    );
  }
  if (b.type !== "transaction" && b.type !== "batch") {
    const type = typeof b.type === "string" ? b.type.replace(/[^a-z-]/g, "").slice(0, 40) : "";
    throw new FhirError(
      400,
      "value",
      `Bundle.type must be transaction (all or nothing) or batch (each entry on its own)${type ? `, not ${type}` : ": it is missing"}.`,
    );
  }
  if (b.entry !== undefined && !Array.isArray(b.entry))
    throw new FhirError(400, "structure", "Bundle.entry must be a list of entries.");
  const entries = (b.entry ?? []) as unknown[];
  if (entries.length > MAX_ENTRIES)
    throw new FhirError(
      413,
      "too-costly",
      `The Bundle has ${entries.length} entries; send at most ${MAX_ENTRIES} in one request.`,
    );
  return { bundle: b, raw, kind: b.type };
}

/**
 * What each entry asks to do, by type: POST (or no request, as ingest takes it) creates, PUT updates, and a
 * POST with ifNoneExist also searches.
 */
export function requestedWrites(
  bundle: Record<string, unknown>,
): { type: string; interaction: Interaction }[] {
  const wanted = new Map<string, { type: string; interaction: Interaction }>();
  for (const e of (bundle.entry ?? []) as Entry[]) {
    const type = e?.resource?.resourceType;
    if (typeof type !== "string" || !/^[A-Z][A-Za-z]{0,63}$/.test(type)) continue;
    const interaction: Interaction = e?.request?.method === "PUT" ? "update" : "create";
    wanted.set(`${type} ${interaction}`, { type, interaction });
    if (e?.request?.method === "POST" && e.request.ifNoneExist !== undefined)
      wanted.set(`${type} search`, { type, interaction: "search" });
  }
  return [...wanted.values()];
}

const LETTER: Record<Interaction, string> = { read: "r", search: "s", create: "c", update: "u", delete: "d" };

const STATUS: Record<BundleEntryOutcome["status"], string> = {
  stored: "200 OK",
  held: "202 Accepted",
  unsupported: "202 Accepted",
  rejected: "400 Bad Request",
  "not-applied": "400 Bad Request",
};

const ISSUE: Record<BundleEntryOutcome["status"], { severity: string; code: IssueType }> = {
  stored: { severity: "information", code: "informational" },
  held: { severity: "information", code: "informational" },
  unsupported: { severity: "warning", code: "not-supported" },
  rejected: { severity: "error", code: "invalid" },
  "not-applied": { severity: "error", code: "not-supported" },
};

function entryDiagnostics(e: BundleEntryOutcome, result: BundleLoadResult, source: string): string {
  switch (e.status) {
    case "stored":
      return `stored (load ${result.loadId}); loading it again changes nothing`;
    case "held":
      return `${e.reason} (load ${result.loadId})`;
    case "rejected":
      return `${e.reason}. Kept as a reject of source ${source} for repair: correct it and send it again.`;
    default:
      return e.reason ?? "";
  }
}

function entryResponse(
  index: number,
  status: string,
  issue: { severity: string; code: IssueType },
  diagnostics: string,
  location?: string,
) {
  return {
    response: {
      status,
      ...(location ? { location } : {}),
      outcome: {
        resourceType: "OperationOutcome",
        issue: [{ ...issue, diagnostics, expression: [`Bundle.entry[${index}]`] }],
      },
    },
  };
}

/** The answer to an entry whose ifNoneExist did not let it be loaded. */
function conditionResponse(index: number, c: Exclude<Condition, { kind: "none" }>) {
  switch (c.kind) {
    case "match":
      return entryResponse(
        index,
        "200 OK",
        { severity: "information", code: "informational" },
        `ifNoneExist matched an existing ${c.resource.resourceType}: returned, nothing written`,
        `${c.resource.resourceType}/${c.resource.id}`,
      );
    case "ambiguous":
      return entryResponse(
        index,
        "412 Precondition Failed",
        { severity: "error", code: "multiple-matches" },
        `ifNoneExist matched ${c.count} resources: the criteria are not selective enough; nothing written`,
      );
    case "invalid":
      return entryResponse(
        index,
        `${c.status} ${c.status === 403 ? "Forbidden" : "Bad Request"}`,
        {
          severity: "error",
          code: c.code,
        },
        `${c.message}; nothing written`,
      );
  }
}

function responseBundle(
  result: BundleLoadResult,
  source: string,
  conditions: ReadonlyMap<number, Condition>,
) {
  return {
    resourceType: "Bundle",
    type: `${result.kind}-response`,
    entry: result.entries.map((e) => {
      const condition = conditions.get(e.index);
      if (condition && condition.kind !== "none") return conditionResponse(e.index, condition);
      // A conditional create that matched nothing the client may see was created, as the specification has it.
      const status = condition && e.status === "stored" ? "201 Created" : STATUS[e.status];
      return entryResponse(
        e.index,
        status,
        ISSUE[e.status],
        entryDiagnostics(e, result, source),
        e.personId ? `Patient/${e.personId}` : undefined,
      );
    }),
  };
}

/** A transaction whose conditions refuse it (412 several matches, else 400): nothing loaded. */
function refusedConditions(conditions: ReadonlyMap<number, Condition>): { status: number; body: unknown } {
  const refused = [...conditions].filter(([, c]) => c.kind === "ambiguous" || c.kind === "invalid");
  const status = refused.some(([, c]) => c.kind === "invalid")
    ? Math.max(...refused.map(([, c]) => (c.kind === "invalid" ? c.status : 412)))
    : 412;
  return {
    status,
    body: {
      resourceType: "OperationOutcome",
      issue: [
        {
          severity: "error",
          code: "processing",
          diagnostics: `The transaction was not applied: ${refused.length} conditional create${refused.length === 1 ? "" : "s"} could not be decided, so nothing in it was stored.`,
        },
        ...refused.map(([index, c]) => ({
          severity: "error",
          code: c.kind === "invalid" ? c.code : "multiple-matches",
          diagnostics:
            c.kind === "invalid"
              ? c.message
              : `ifNoneExist matched ${c.kind === "ambiguous" ? c.count : 0} resources: the criteria are not selective enough`,
          expression: [`Bundle.entry[${index}]`],
        })),
      ],
    },
  };
}

/** A refused transaction: 400 with an issue for each entry that refused it, and nothing stored. */
function refusedTransaction(result: BundleLoadResult, source: string) {
  const refused = result.entries.filter((e) => e.status === "rejected");
  return {
    resourceType: "OperationOutcome",
    issue: [
      {
        severity: "error",
        code: "processing",
        diagnostics: `The transaction was not applied: ${refused.length} of ${result.entries.length} entries were rejected, so nothing in it was stored. Each rejected entry is kept as a reject of source ${source} for repair; correct them and send the transaction again.`,
      },
      ...refused.map((e) => ({
        severity: "error",
        code: "invalid",
        diagnostics: `${e.resourceType ?? "entry"}: ${e.reason}`,
        expression: [`Bundle.entry[${e.index}]`],
      })),
    ],
  };
}

function summary(result: BundleLoadResult, conditions: ReadonlyMap<number, Condition>): string {
  const answered = (index: number) => (conditions.get(index)?.kind ?? "none") !== "none";
  const n = (s: BundleEntryOutcome["status"]) =>
    result.entries.filter((e) => e.status === s && !answered(e.index)).length;
  const matched = [...conditions.values()].filter((c) => c.kind === "match").length;
  const failed = [...conditions.values()].filter(
    (c) => c.kind === "ambiguous" || c.kind === "invalid",
  ).length;
  const conditional =
    matched + failed > 0 ? `, ${matched} matched by ifNoneExist, ${failed} conditions failed` : "";
  const counts = `${n("stored")} stored, ${n("held")} held, ${n("rejected")} rejected, ${n("unsupported")} unsupported, ${n("not-applied")} not applied${conditional}`;
  return result.kind === "transaction" && !result.applied
    ? `FHIR transaction refused (${counts}; load ${result.loadId})`
    : `FHIR ${result.kind} applied (${counts}; load ${result.loadId})`;
}

export function writeRoutes(app: FastifyInstance, db: Db, base: string, deps: WriteDeps) {
  app.post(base, { config: { ownAuth: true }, bodyLimit: WRITE_BODY_LIMIT }, async (request, reply) => {
    const identity = deps.identityOf(request);
    const source = identity.clientId ? identity.ingestSource : null;
    if (!source)
      return deps.refuse(
        request,
        identity,
        "writes are taken only from backend clients registered to write (oneplace fhir register-client --ingest-source)",
      );
    const { bundle, raw, kind } = readBundle(request.body);
    const missing = requestedWrites(bundle).filter(
      (w) => !scopesAllow(identity.scopes ?? [], w.type, w.interaction),
    );
    const conditional = conditionalEntries(bundle);
    const basis = identity.roleAssignment.role.accessBasis;
    if (conditional.length > 0 && (basis === "pseudonymised" || basis === "aggregate"))
      return deps.refuse(
        request,
        identity,
        `ifNoneExist needs a search, and the ${identity.roleAssignment.role.name} role the client acts in does not search identifiable records: nothing was applied`,
      );
    if (missing.length > 0)
      return deps.refuse(
        request,
        identity,
        `the client's scopes do not allow ${missing
          .slice(0, 5)
          .map((w) => `${w.interaction} of ${w.type} (system/${w.type}.${LETTER[w.interaction]})`)
          .join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}: nothing was applied`,
      );
    // Each condition is the client's own search, decided and audited as one (see conditional-create.ts).
    const conditions = new Map<number, Condition>();
    for (const entry of conditional)
      conditions.set(
        entry.index,
        await evaluateCondition((search) => deps.repository(request, search), entry),
      );
    if (
      kind === "transaction" &&
      [...conditions.values()].some((c) => c.kind === "ambiguous" || c.kind === "invalid")
    ) {
      const refused = refusedConditions(conditions);
      await auditWrite(
        request,
        identity,
        [],
        false,
        `FHIR transaction refused: a conditional create could not be decided (${refused.status})`,
        `client ${identity.clientId}: POST ${base} ${kind} of ${((bundle.entry ?? []) as unknown[]).length} entries as source ${source}`,
      );
      return deps.send(reply, refused.status, refused.body);
    }
    const matches = new Map<number, FhirResource>();
    for (const [index, c] of conditions) if (c.kind === "match") matches.set(index, c.resource);
    const skip = new Set([...conditions].filter(([, c]) => c.kind !== "none").map(([index]) => index));
    const result = await loadFhirBundle(db, bundle, raw, kind, {
      source,
      origin: `fhir-api:${identity.clientId}`,
      touched: deps.touched,
      skip,
      references: boundReferences(bundle, matches),
    });
    const personIds = [...new Set(result.entries.flatMap((e) => (e.personId ? [e.personId] : [])))];
    await auditWrite(
      request,
      identity,
      personIds,
      true,
      summary(result, conditions),
      `client ${identity.clientId}: POST ${base} ${kind} of ${result.entries.length} entries as source ${source}`,
    );
    request.log.info(
      { loadId: result.loadId, kind, entries: result.entries.length, applied: result.applied },
      "FHIR Bundle loaded",
    );
    if (kind === "transaction" && !result.applied)
      return deps.send(reply, 400, refusedTransaction(result, source));
    return deps.send(reply, 200, responseBundle(result, source, conditions));
  });

  /** One audit row per write request (action ingest, channel fhir). */
  async function auditWrite(
    request: FastifyRequest,
    identity: FhirIdentity,
    personIds: string[],
    allowed: boolean,
    reason: string,
    detail: string,
  ) {
    await appendAuditEvent(db, {
      actorUserId: identity.user.userId,
      actor: identity.user.username,
      roleCode: identity.roleAssignment.role.roleCode,
      teamCode: identity.roleAssignment.team.teamCode,
      purpose: identity.purpose,
      action: "ingest",
      allowed,
      personIds,
      personCount: personIds.length,
      reason,
      channel: "fhir",
      clientAddress: request.ip,
      detail,
    });
  }
}
