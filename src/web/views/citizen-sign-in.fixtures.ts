// Example contexts for citizen-sign-in.njk: ready, after a failed sign-in, and not configured.
import { citizenShell } from "./citizen.context.ts";
import type { ViewFixture } from "./fixtures.ts";

const page = {
  ...citizenShell({ csrf: null, current: "/citizen/sign-in" }),
  title: "Sign in to see your care record",
  label: "NHS login",
  available: true,
};
export const fixtures: ViewFixture[] = [
  { name: "ready to sign in", context: page },
  {
    name: "a failed sign-in",
    context: { ...page, error: "Signing in through NHS login did not work: unknown or expired sign-in." },
  },
  { name: "not configured", context: { ...page, available: false } },
  { name: "just signed out", context: { ...page, signedOut: true } },
];
