// Every error response of the web face is built here: problem+json (RFC 9457) for APIs and scripts, and the
// NHS.UK error page (error.njk, inside the layout) for a browser asking for a page, with the same detail and
// hint. A request is a browser's when it accepts text/html, sends no bearer token and is not under /api/.
import type { FastifyReply, FastifyRequest } from "fastify";
import { citizenShell } from "../views/citizen.context.ts";
import { errorPageContext } from "../views/error.context.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorised",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

export interface ProblemExtras {
  /** The OnePlaceError's stable code. */
  code?: string;
  /** What the person can do about it. */
  hint?: string;
  /** Pages only: where this user may break glass to reach the person they were refused. */
  breakGlassHref?: string;
}

/** A browser asking for a page, rather than a script or an API client. */
export function wantsPage(request: FastifyRequest): boolean {
  return (
    /text\/html/.test(String(request.headers.accept ?? "")) &&
    request.headers.authorization === undefined &&
    !/^\/api(\/|$)/.test(request.url)
  );
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  extras: ProblemExtras = {},
): FastifyReply {
  reply.status(status);
  if (wantsPage(reply.request) && typeof reply.view === "function") {
    // The citizen's pages keep their own layout: no staff header, navigation or links.
    if (/^\/citizen(\/|\?|$)/.test(reply.request.url)) {
      return reply.header("cache-control", "no-store").view("citizen-error.njk", {
        ...citizenShell({ csrf: null, current: "" }),
        detail,
        ...errorPageContext(status, detail, { hint: extras.hint, code: extras.code }),
      });
    }
    return reply.header("cache-control", "no-store").view(
      "error.njk",
      errorPageContext(status, detail, {
        hint: extras.hint,
        breakGlassHref: extras.breakGlassHref,
        code: extras.code,
      }),
    );
  }
  return reply.type("application/problem+json").send({
    type: "about:blank",
    title: TITLES[status] ?? (status < 500 ? "Bad request" : "Internal server error"),
    status,
    detail,
    ...(extras.code ? { code: extras.code } : {}),
    ...(extras.hint ? { hint: extras.hint } : {}),
  });
}
