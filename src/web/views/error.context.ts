// The error page's context: the heading for the status in words, the detail the problem+json carries (a
// OnePlaceError's message, a refusal's reason), its hint, and for a refused person the break-glass route
// when the role may use it.

export interface ErrorPageContext {
  title: string;
  heading: string;
  status: number;
  /** For a 403: the decision's reason, without its full stop. */
  reason: string;
  /** Otherwise: what went wrong, one paragraph each. */
  lines: string[];
  hint: string | null;
  breakGlassHref: string | null;
  /** A refusal by the access policy (every attempt is audited), rather than a form or a request refused. */
  accessDenied: boolean;
}

const HEADINGS: Record<number, string> = {
  400: "There is a problem with the request",
  401: "You need to sign in",
  403: "You do not have access to this",
  404: "Page not found",
  409: "This has changed",
  413: "That is too large",
  415: "That cannot be sent here",
  429: "Too many attempts",
  500: "Sorry, there is a problem with the service",
  503: "Sorry, the service is unavailable",
};

/** The reason as a clause (no closing full stop): the page adds its own. */
function asClause(reason: string): string {
  const trimmed = reason.trim().replace(/[.\s]+$/, "");
  return trimmed.length > 0 ? trimmed : "your role does not allow it";
}

export function errorPageContext(
  status: number,
  detail: string,
  options: { hint?: string | null; breakGlassHref?: string | null; code?: string } = {},
): ErrorPageContext {
  const heading = HEADINGS[status] ?? (status < 500 ? HEADINGS[400] : HEADINGS[500]);
  const lines =
    status === 404
      ? [detail, "If you typed the web address, check it is correct and complete."]
      : status >= 500
        ? ["Try again later. The problem has been logged."]
        : [detail];
  return {
    title: heading,
    heading,
    status,
    reason: asClause(detail),
    lines,
    hint: options.hint ?? null,
    breakGlassHref: options.breakGlassHref ?? null,
    accessDenied: options.code === "governance.access-denied",
  };
}
