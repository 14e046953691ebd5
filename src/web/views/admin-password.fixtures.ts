// Example contexts for admin-password.njk: a new account's one-time password, and a reset one.
import { passwordContext } from "./admin.context.ts";
import type { ViewFixture } from "./fixtures.ts";

const who = { username: "demo.nurse", displayName: "Sarah Okoye" };

export const fixtures: ViewFixture[] = [
  { name: "a new account", context: passwordContext(who, "fixture-one-time-pw", true) },
  { name: "a reset password", context: passwordContext(who, "another-fixture-pw", false) },
];
