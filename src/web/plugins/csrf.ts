// The check a state-changing request made with a browser session passes, a staff session's (auth.ts) and a
// citizen's (routes/citizen.ts) alike: an Origin of this site when the browser sends one, and the session's
// CSRF token in the form (or, where the caller allows it, the X-CSRF-Token header).
//
// "This site" is the origin of ONEPLACE_PUBLIC_URL when that is configured: a request's Host header is set by
// whoever sends it, and a proxy in between can make it match a forged Origin. Only when no public address is
// configured (development, and the tests' servers on random ports) is the Host header what is compared.
import type { FastifyReply, FastifyRequest } from "fastify";
import { csrfTokenFor, safeEqual } from "../../governance/index.ts";
import { sendProblem } from "./problem.ts";

/** True when a browser's Origin header (absent or "null": nothing to compare) names this site. */
export function fromThisSite(
  origin: string | undefined,
  host: string | undefined,
  publicOrigin: string | null,
): boolean {
  if (origin === undefined || origin === "null") return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return publicOrigin !== null ? url.origin === publicOrigin : url.host === host;
}

export interface CsrfCheck {
  /** The session whose CSRF token the request must carry. */
  sessionToken: string;
  /** The origin of the configured public address, or null when none is configured. */
  publicOrigin: string | null;
  /** Whether the token may come in the X-CSRF-Token header (scripts) as well as the form's `_csrf`. */
  headerToken: boolean;
  /** The answer's text when the token is missing or wrong. */
  expired: string;
}

/** Answers 403 and returns true when the request came from another site or without the session's token. */
export function refusedAsForged(request: FastifyRequest, reply: FastifyReply, check: CsrfCheck): boolean {
  if (!fromThisSite(request.headers.origin, request.headers.host, check.publicOrigin)) {
    sendProblem(reply, 403, "The request came from another site.");
    return true;
  }
  const body = request.body as Record<string, unknown> | undefined;
  const inForm = body && typeof body === "object" ? (body._csrf ?? "") : "";
  const sent = String((check.headerToken ? request.headers["x-csrf-token"] : undefined) ?? inForm);
  if (safeEqual(sent, csrfTokenFor(check.sessionToken))) return false;
  sendProblem(reply, 403, check.expired);
  return true;
}
