// A signed-in browser session for app.inject tests, without the sign-in form: a session made by governance
// for the user (in their first role), its cookie as the server names it, and the CSRF token forms carry.
import { createSession, csrfTokenFor } from "../../src/governance/index.ts";
import type { Db } from "../../src/platform/index.ts";
import { cookieNames } from "../../src/web/plugins/cookies.ts";
import { testAuthConfig } from "../governance/fixtures.ts";

export interface TestSession {
  /** The Cookie header to send. */
  cookie: string;
  /** The session's CSRF token, as forms send it in _csrf. */
  csrf: string;
  /** Headers for a browser asking for a page with this session. */
  page: Record<string, string>;
}

export async function sessionFor(db: Db, userId: string, secure = true): Promise<TestSession> {
  const made = await createSession(db, testAuthConfig(), { userId, method: "password", clientAddress: null });
  if (!made) throw new Error("the user holds no role, so has no session");
  const cookie = `${cookieNames(secure).session}=${made.token}`;
  return { cookie, csrf: csrfTokenFor(made.token), page: { cookie, accept: "text/html" } };
}
