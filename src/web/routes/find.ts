// Find a person: /find (the page, GET forms so every search is a shareable URL and works without JavaScript)
// and /api/find (the same search as JSON). Both go through the reader's find methods, which refuse roles
// that do not search, filter the people found for "search" and audit who was shown and who was withheld.
// One person found by NHS Number goes straight to their record.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { invalid } from "../../core/errors.ts";
import type { FindResult } from "../../governance/index.ts";
import {
  type FindQuery,
  findContext,
  type ParsedFind,
  parseFindQuery,
  personHref,
} from "../views/find.context.ts";
import { closedObject, textField } from "./schemas.ts";

const text = textField;

const findQuery = closedObject({
  nhsNumber: text(40),
  name: text(200),
  birthDate: text(10),
  day: text(4),
  month: text(4),
  year: text(6),
  postcode: text(12),
});

type FindRequest = { Querystring: FindQuery };

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

async function runSearch(request: FastifyRequest, parsed: ParsedFind): Promise<FindResult | null> {
  const { search } = parsed;
  if (search.kind === "nhs-number") return request.reader.findByNhsNumber(search.nhsNumber);
  if (search.kind === "name") return request.reader.findByDemographics(search);
  return null;
}

export async function findRoutes(app: FastifyInstance): Promise<void> {
  app.get<FindRequest>("/find", { schema: { querystring: findQuery } }, async (request, reply) => {
    const day = today();
    const parsed = parseFindQuery(request.query, day);
    const result = await runSearch(request, parsed);
    if (
      result &&
      parsed.search.kind === "nhs-number" &&
      result.people.length === 1 &&
      result.withheld === 0
    ) {
      return reply.redirect(personHref(result.people[0]), 303);
    }
    const near = parsed.nearNhsNumber ? await request.reader.findNearNhsNumber(parsed.nearNhsNumber) : null;
    return reply.view("find.njk", findContext(parsed, result, day, near));
  });

  app.get<FindRequest>("/api/find", { schema: { querystring: findQuery } }, async (request) => {
    const parsed = parseFindQuery(request.query, today());
    const first = Object.values(parsed.errors).find((e) => e !== undefined);
    if (first) {
      throw invalid("find.query", first.text, {
        hint: "Give nhsNumber, or name with birthDate (YYYY-MM-DD) and optionally postcode.",
      });
    }
    const result = await runSearch(request, parsed);
    if (!result) {
      throw invalid("find.query", "Say whom to find.", {
        hint: "Give nhsNumber, or name with birthDate (YYYY-MM-DD) and optionally postcode.",
      });
    }
    return result;
  });
}
