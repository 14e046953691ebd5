// The citizen tests' shared sign-in plumbing: the cookie a response set, a free port on 127.0.0.1 for a server
// an identity provider must call back, and the browser's part of a citizen sign-in through the stub provider
// shaped like NHS login (test/governance/citizen-idp.ts): start, the provider's authorize, the callback.
import assert from "node:assert/strict";
import type { CitizenIdp, CitizenLogin } from "../governance/citizen-idp.ts";
import type { WebApp } from "./harness.ts";

/** The callback address the citizen tests' servers are configured with (served by inject, never listened on). */
export const CITIZEN_REDIRECT = "http://127.0.0.1:3998/citizen/sign-in/callback";

/** The named cookie as "name=value" from a response's set-cookie header(s), or null. */
export function cookieOf(setCookie: string | string[] | undefined, name: string): string | null {
  for (const line of [setCookie ?? []].flat()) {
    const [pair] = line.split(";");
    const [key, value] = pair.split("=");
    if (key === name && value) return `${key}=${value}`;
  }
  return null;
}

/**
 * The browser's part of a sign-in as `login`: start (with `cookie`, a session the browser already holds), the
 * provider's authorize, and the callback with `extra` added to its query. The callback's response.
 */
export async function citizenCallback(
  app: WebApp,
  idp: CitizenIdp,
  login: CitizenLogin,
  options: { extra?: string; cookie?: string; redirect?: string } = {},
) {
  const { extra = "", cookie = "", redirect = CITIZEN_REDIRECT } = options;
  idp.next = login;
  const start = await app.inject({
    method: "GET",
    url: "/citizen/sign-in/start",
    headers: cookie ? { cookie } : {},
  });
  assert.equal(start.statusCode, 302, start.body);
  const state = cookieOf(start.headers["set-cookie"], "__Host-oneplace_citizen_oidc");
  assert.ok(state, "the state is bound to the browser");
  const authorize = await fetch(String(start.headers.location), { redirect: "manual" });
  assert.equal(authorize.status, 302);
  const back = new URL(String(authorize.headers.get("location")));
  assert.equal(`${back.origin}${back.pathname}`, redirect);
  return app.inject({
    method: "GET",
    url: `/citizen/sign-in/callback${back.search}${extra}`,
    headers: { cookie: [state, cookie].filter(Boolean).join("; "), accept: "text/html" },
  });
}
