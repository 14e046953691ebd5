// Registers and worklists (a practice's or locality's risk register, saved cohorts shown as registers, their
// CSV export) and the risk model's validation report. Every read goes through the governed reader; filters,
// sort and page are GET parameters, so each view of a register is a link to share.
import type { FastifyInstance, FastifyReply } from "fastify";
import { streamCsv } from "../../core/csv.ts";
import { PAGE_SIZES, type RegisterExport, type RegisterQuery } from "../../governance/index.ts";
import {
  REGISTER_SORTS,
  type RegisterFilters,
  type RegisterKind,
  type RegisterSort,
  RISK_TIERS,
  type RiskTier,
  type SortDirection,
} from "../../risk/index.ts";
import { modelReportContext } from "../views/model-report.context.ts";
import { CSV_HEADERS, csvRow, registerContext } from "../views/register.context.ts";
import { registersContext } from "../views/registers.context.ts";
import { closedObject } from "./schemas.ts";

const EFI = ["fit", "mild", "moderate", "severe"] as const;
const YES = { type: "string", enum: ["yes"] } as const;

const registerQuerystring = closedObject({
  tier: { type: "array", items: { type: "string", enum: RISK_TIERS }, maxItems: 4 },
  efi: { type: "array", items: { type: "string", enum: EFI }, maxItems: 4 },
  hiu: YES,
  noJointPlan: YES,
  reviewOverdue: YES,
  admitted: YES,
  sort: { type: "string", enum: REGISTER_SORTS },
  dir: { type: "string", enum: ["asc", "desc"] },
  page: { type: "integer", minimum: 1, maximum: 100_000 },
  pageSize: { type: "integer", enum: PAGE_SIZES },
  format: { type: "string", enum: ["html", "csv"] },
});

interface RegisterQuerystring {
  tier?: RiskTier[];
  efi?: (typeof EFI)[number][];
  hiu?: "yes";
  noJointPlan?: "yes";
  reviewOverdue?: "yes";
  admitted?: "yes";
  sort?: RegisterSort;
  dir?: SortDirection;
  page?: number;
  pageSize?: number;
  format?: "html" | "csv";
}

/** A code or cohort id, optionally with ".csv" for the export. */
const CODE_PARAM = closedObject(
  { code: { type: "string", pattern: "^[A-Za-z0-9]+(-[A-Za-z0-9]+)*(\\.csv)?$", maxLength: 80 } },
  ["code"],
);

function filtersOf(q: RegisterQuerystring): RegisterFilters {
  return {
    ...(q.tier?.length ? { tiers: q.tier } : {}),
    ...(q.efi?.length ? { efiCategories: q.efi } : {}),
    ...(q.hiu ? { hiu: true } : {}),
    ...(q.noJointPlan ? { noJointPlan: true } : {}),
    ...(q.reviewOverdue ? { reviewOverdue: true } : {}),
    ...(q.admitted ? { admittedRecently: true } : {}),
  };
}

export async function registersRoutes(app: FastifyInstance): Promise<void> {
  app.get("/registers", async (request, reply) => {
    return reply
      .header("cache-control", "no-store")
      .view("registers.njk", registersContext(await request.reader.registers()));
  });

  for (const kind of ["practice", "locality", "cohort"] as const satisfies readonly RegisterKind[]) {
    app.get<{ Params: { code: string }; Querystring: RegisterQuerystring }>(
      `/registers/${kind}/:code`,
      { schema: { params: CODE_PARAM, querystring: registerQuerystring } },
      async (request, reply) => {
        const q = request.query;
        const asCsv = request.params.code.endsWith(".csv") || q.format === "csv";
        const code = request.params.code.replace(/\.csv$/, "");
        const query: RegisterQuery = {
          kind,
          code: kind === "cohort" ? code : code.toUpperCase(),
          filters: filtersOf(q),
          ...(q.sort ? { sort: q.sort } : {}),
          ...(q.dir ? { direction: q.dir } : {}),
          ...(q.page ? { page: q.page } : {}),
          ...(q.pageSize ? { pageSize: q.pageSize } : {}),
        };
        if (asCsv) return sendCsv(reply, await request.reader.riskRegisterExport(query));
        const page = await request.reader.riskRegister(query);
        return reply.header("cache-control", "no-store").view("register.njk", registerContext(page));
      },
    );
  }

  app.get<{ Querystring: { version?: number } }>(
    "/analytics/model",
    { schema: { querystring: closedObject({ version: { type: "integer", minimum: 1, maximum: 100_000 } }) } },
    async (request, reply) => {
      const report = await request.reader.modelReport(request.query.version);
      return reply.view("model-report.njk", modelReportContext(report));
    },
  );
}

function sendCsv(reply: FastifyReply, data: RegisterExport) {
  const name = `register-${data.heading.kind}-${data.heading.code}${data.asOf ? `-${data.asOf}` : ""}.csv`;
  return reply
    .header("content-type", "text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${name}"`)
    .header("cache-control", "no-store")
    .header("x-oneplace-withheld", String(data.withheld))
    .send(streamCsv(CSV_HEADERS, csvRowsOf(data.rows)));
}

/** The rows as CSV columns, as they are read: an export is streamed, never built in memory. */
async function* csvRowsOf(rows: RegisterExport["rows"]) {
  for await (const row of rows) yield csvRow(row);
}
