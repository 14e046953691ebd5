// The one error handler: a OnePlaceError becomes problem+json with its kind's status, code and hint (or,
// for a browser asking for a page, the NHS.UK error page with the same detail and hint; a refusal of a
// person offers break-glass where the role may use it); Fastify's own request errors (schema validation, bad
// body) keep their 4xx; anything else is a defect, answered with a 500 that says nothing of its cause (the
// log has its class, redacted message and stack, under the request id the answer's x-request-id gives).
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { HTTP_STATUS_OF_KIND, isOnePlaceError, type OnePlaceError } from "../../core/errors.ts";
import { errorForLog } from "../../platform/index.ts";
import { sendProblem } from "./problem.ts";

/** Fastify's own errors about the request (validation, content type, body size), not about our code. */
function isRequestError(error: FastifyError): boolean {
  const status = error.statusCode ?? 500;
  return status >= 400 && status < 500 && (error.validation !== undefined || /^FST_/.test(error.code ?? ""));
}

/** Where a refused user may break glass: a person's page, a role that may, and a person who exists. */
function breakGlassHref(request: FastifyRequest, error: OnePlaceError): string | undefined {
  const personId = (request.params as { personId?: unknown } | undefined)?.personId;
  const role = request.identity?.roleAssignment.role;
  if (error.code !== "governance.access-denied" || typeof personId !== "string") return undefined;
  if (!role?.mayBreakGlass || role.accessBasis !== "relationship" || /no such person/.test(error.message))
    return undefined;
  return `/people/${encodeURIComponent(personId.toLowerCase())}/break-glass`;
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isOnePlaceError(error)) {
      const status = HTTP_STATUS_OF_KIND[error.kind];
      request.log.info({ errorType: error.name, code: error.code }, "request refused");
      return sendProblem(reply, status, error.message, {
        code: error.code,
        hint: error.hint,
        breakGlassHref: breakGlassHref(request, error),
      });
    }
    if (isRequestError(error)) {
      request.log.info({ errorType: error.name, code: error.code }, "bad request");
      return sendProblem(reply, error.statusCode as number, error.message);
    }
    // Class, message and stack, for whoever mends it, with the request's id (pino's reqId, which the client's
    // answer carries too); the message redacted, as a defect's can quote the data it failed on.
    request.log.error(
      { errorType: error.name, error: errorForLog(error), route: request.routeOptions?.url ?? "unmatched" },
      "request failed",
    );
    reply.header("x-request-id", request.id);
    return sendProblem(
      reply,
      500,
      "internal error: the server could not complete the request; it has been logged.",
    );
  });

  app.setNotFoundHandler((_request, reply) => sendProblem(reply, 404, "No page at this path."));
});
