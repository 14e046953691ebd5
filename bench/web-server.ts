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
