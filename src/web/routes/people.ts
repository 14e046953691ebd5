// One person: demographics, their timeline across organisations, and breaking glass to reach them; all
// through request.reader, which decides and audits.
import type { FastifyInstance } from "fastify";
import { closedObject, csrfField, UUID_PATTERN } from "./schemas.ts";

const personParams = closedObject({ personId: { type: "string", pattern: UUID_PATTERN } }, ["personId"]);

const breakGlassBody = closedObject(
  { reason: { type: "string", minLength: 1, maxLength: 1_000 }, ...csrfField },
  ["reason"],
);

type PersonParams = { Params: { personId: string } };

export async function peopleRoutes(app: FastifyInstance): Promise<void> {
  app.get<PersonParams>("/api/people/:personId", { schema: { params: personParams } }, async (request) => {
    const p = await request.reader.person(request.params.personId);
    return {
      personId: p.personId,
      nhsNumber: p.nhsNumber,
      name: p.name,
      birthDate: p.birthDate,
      sex: p.sex,
      postcode: p.postcode,
      practiceCode: p.practiceCode,
      disclosure: p.disclosure,
      relationship: p.relationship,
    };
  });

  app.get<PersonParams>("/api/people/:personId/timeline", { schema: { params: personParams } }, (request) =>
    request.reader.timeline(request.params.personId),
  );

  app.post<PersonParams & { Body: { reason: string } }>(
    "/api/people/:personId/break-glass",
    { schema: { params: personParams, body: breakGlassBody } },
    async (request, reply) => {
      const decision = await request.reader.breakGlass(request.params.personId, request.body.reason);
      return reply
        .status(201)
        .send({ allowed: true, relationship: decision.relationship, breakGlassId: decision.breakGlassId });
    },
  );
}
