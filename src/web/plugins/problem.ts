// problem+json (RFC 9457): every error response of the web face is built here.
import type { FastifyReply } from "fastify";

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
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  extras: ProblemExtras = {},
): FastifyReply {
  return reply
    .status(status)
    .type("application/problem+json")
    .send({
      type: "about:blank",
      title: TITLES[status] ?? (status < 500 ? "Bad request" : "Internal server error"),
      status,
      detail,
      ...(extras.code ? { code: extras.code } : {}),
      ...(extras.hint ? { hint: extras.hint } : {}),
    });
}
