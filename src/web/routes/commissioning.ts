// Pseudonymised cohorts for commissioners and analysts, through the reader (it refuses every other role).
import type { FastifyInstance } from "fastify";
import type { CohortQuery, PseudonymKeys } from "../../governance/index.ts";
import { closedObject, csrfField } from "./schemas.ts";

const CODE = "^[A-Za-z0-9]{1,16}$";
const cohortBody = closedObject({
  sex: { type: "string", enum: ["female", "male", "other", "unknown"] },
  minAge: { type: "integer", minimum: 0, maximum: 130 },
  maxAge: { type: "integer", minimum: 0, maximum: 130 },
  localityCode: { type: "string", pattern: CODE },
  practiceCode: { type: "string", pattern: CODE },
  areaCode: { type: "string", pattern: CODE },
  maxImdDecile: { type: "integer", minimum: 1, maximum: 10 },
  limit: { type: "integer", minimum: 1, maximum: 10_000 },
  export: { type: "boolean" },
  ...csrfField,
});

export async function commissioningRoutes(
  app: FastifyInstance,
  options: { keys: PseudonymKeys },
): Promise<void> {
  app.post<{ Body: CohortQuery & { export?: boolean; _csrf?: string } }>(
    "/api/commissioning/cohort",
    { schema: { body: cohortBody } },
    (request) => {
      const { export: asExport, _csrf, ...query } = request.body;
      return request.reader.pseudonymisedCohort(query, options.keys, asExport ? "export" : "search");
    },
  );
}
