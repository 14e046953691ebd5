// What the pages that show and change one person's care records share: the CSRF token for their forms,
// which errors a person can act on, and the refusal page when the reader says no.
import type { FastifyReply, FastifyRequest } from "fastify";
import { isOnePlaceError, type OnePlaceError } from "../../core/errors.ts";
import { AccessDenied, csrfTokenFor } from "../../governance/index.ts";
import { breakGlassContext } from "../views/person-break-glass.context.ts";

export const csrfOf = (request: FastifyRequest) =>
  request.sessionToken ? csrfTokenFor(request.sessionToken) : null;

/** Today in England, as an ISO date: the day a form's dates are checked against. */
export const londonToday = () =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());

/** Errors a person can act on (bad input, a conflict, not found); refusals and defects go on up. */
export function actionable(error: unknown): OnePlaceError | null {
  if (error instanceof AccessDenied) return null;
  return isOnePlaceError(error) && error.kind !== "unavailable" ? error : null;
}

/** An error summary item: the error's words and the hint that says what to do. */
export const errorItem = (error: { message: string; hint?: string }) => ({
  text: error.hint ? `${error.message} ${error.hint}` : error.message,
});

/** A page about a person: a refusal becomes the refusal page with the decision's reason (and break-glass). */
export async function personReply(
  request: FastifyRequest<{ Params: { personId: string } }>,
  reply: FastifyReply,
  render: () => Promise<{ view: string; context: object; status?: number }>,
) {
  try {
    const { view, context, status } = await render();
    return reply
      .status(status ?? 200)
      .header("cache-control", "no-store")
      .view(view, context);
  } catch (error) {
    if (!(error instanceof AccessDenied) || !request.identity) throw error;
    return reply.status(403).view(
      "person-break-glass.njk",
      breakGlassContext({
        personId: request.params.personId.toLowerCase(),
        refusal: error.decision.reason,
        identity: request.identity,
        csrf: csrfOf(request),
      }),
    );
  }
}
