// The web server as the page benches start it: no log output, and sign-in limits no bench run can trip (many
// sign-ins a minute, long sessions, cookies over plain HTTP).

import { createLogger } from "../src/platform/index.ts";
import type { Db } from "../src/store/index.ts";
import { createWebServer } from "../src/web/index.ts";
import { testAuthConfig } from "../test/governance/fixtures.ts";

export function benchWebServer(db: Db): ReturnType<typeof createWebServer> {
  return createWebServer({
    db,
    logger: createLogger({ level: "silent" }),
    placeName: "Bench",
    auth: testAuthConfig({
      maxFailedLogins: 1_000,
      lockoutMinutes: 1,
      sessionIdleMinutes: 600,
      loginAttemptsPerMinute: 10_000,
      cookieSecure: false,
    }),
  });
}

/** Signs a user in through the sign-in form as a browser would, and answers the session cookie to send. */
export async function signInThroughForm(base: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${base}/login`);
  const csrfCookie = /oneplace_login=([^;]+)/.exec(form.headers.get("set-cookie") ?? "")?.[1];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrfCookie || !csrf) throw new Error("the sign-in form has no CSRF token");
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `oneplace_login=${csrfCookie}` },
    body: new URLSearchParams({ username, password, _csrf: csrf, next: "/" }).toString(),
  });
  const session = /oneplace_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (res.status !== 303 || !session) throw new Error(`${username} could not sign in (${res.status})`);
  return `oneplace_session=${session}`;
}
