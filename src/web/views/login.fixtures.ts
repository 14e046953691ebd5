// Example contexts for login.njk: the form, the form after a failure, with OpenID Connect, and signed in.
import type { ViewFixture } from "./fixtures.ts";

const form = {
  title: "Sign in",
  csrf: "fixture-csrf-token",
  next: "/",
  username: "",
  maxFailures: 5,
  lockoutMinutes: 15,
  signedIn: null,
};

export const fixtures: ViewFixture[] = [
  { name: "the sign-in form", context: form },
  {
    name: "a failed sign-in",
    context: {
      ...form,
      username: "dr.example",
      error: "The username or password is not right, or the account is locked.",
    },
  },
  { name: "with OpenID Connect", context: { ...form, oidcLabel: "NHS Care Identity" } },
  {
    name: "signed in",
    context: {
      ...form,
      title: "Signed in",
      signedIn: {
        displayName: "Dr Example",
        role: "GP",
        team: "Riverside practice",
        purpose: "direct-care",
      },
    },
  },
];
