// The web face, assembled as Fastify plugins in the order of fastify/demo: the external and shared plugins
// (request schemas that refuse unknown fields, security headers, form bodies, errors, views, auth), then one
// plugin per capability's routes. Routes reach
// personal data only through request.reader; every route is closed unless marked public on the route.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Fastify, { type FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import { type AdmissionNotifier, startAdmissionNotifier } from "../care/index.ts";
import { fhirPlugin } from "../fhir/index.ts";
import { type AuthConfig, authConfigFromEnv, pseudonymKeysFromEnv } from "../governance/index.ts";
import { type Db, readSettings, type Settings } from "../platform/index.ts";
import { createDemoCitizenIdp, type DemoCitizenIdpOptions } from "./demo-citizen-idp.ts";
import { authPlugin, authSettings, sessionIdentity } from "./plugins/auth.ts";
import { errorsPlugin } from "./plugins/errors.ts";
import { formBodyPlugin } from "./plugins/form-body.ts";
import { AJV_OPTIONS, requestSchemasPlugin, schemaErrorMessage } from "./plugins/request-schemas.ts";
import { type SecurityHeadersOptions, securityHeadersPlugin } from "./plugins/security-headers.ts";
import { viewsPlugin } from "./plugins/views.ts";
import { adminRoutes } from "./routes/admin.ts";
import { assetRoutes } from "./routes/assets.ts";
import { backofficeRoutes } from "./routes/backoffice.ts";
import { careRoutes } from "./routes/care.ts";
import { careContributionRoutes, careProxyRoutes } from "./routes/care-contributions.ts";
import { citizenRoutes } from "./routes/citizen.ts";
import { commissioningRoutes } from "./routes/commissioning.ts";
import { findRoutes } from "./routes/find.ts";
import { homeRoutes } from "./routes/home.ts";
import { igRoutes } from "./routes/ig.ts";
import { loginRoutes } from "./routes/login.ts";
import { mdtRoutes } from "./routes/mdt.ts";
import { meRoutes } from "./routes/me.ts";
import { notificationsRoutes } from "./routes/notifications.ts";
import { peopleRoutes } from "./routes/people.ts";
import { personRoutes } from "./routes/person.ts";
import { registerRoutes } from "./routes/register.ts";
import { registersRoutes } from "./routes/registers.ts";
import { statusRoutes } from "./routes/status.ts";

export interface WebOptions {
  db: Db;
  logger: Logger;
  placeName: string;
  /** How long a computed summary is served before it is counted again. */
  summaryTtlMs?: number;
  /** Sign-in settings; from the environment's settings when absent. */
  auth?: AuthConfig;
  /** The environment's settings; read once here when absent. */
  settings?: Settings;
  /**
   * The admission notifier (no unknown patients) runs while the server does, polling its queue this often;
   * false to leave it to another process. Default: every 500 ms.
   */
  admissionNotifier?: { intervalMs?: number } | false;
  /**
   * `oneplace demo` only: the demo-only citizen identity provider (demo-citizen-idp.ts), for an address on this
   * machine. No setting turns it on; a configured citizen provider (ONEPLACE_CITIZEN_OIDC_*) takes its place.
   */
  demoCitizenIdp?: DemoCitizenIdpOptions;
  /** Strict-Transport-Security; default a year with subdomains (helmet's), false for none. */
  hsts?: SecurityHeadersOptions["hsts"];
  /**
   * One of the server processes sharing the port (`oneplace serve --workers`), `index` from 1 of `count`: a limit
   * kept in the process (sign-in attempts a minute from one address) is divided between them, so that together
   * they allow what one would, and every answer says which process gave it (`X-OnePlace-Process`), so that an
   * operator (and the tests) can tell them apart.
   */
  process?: { index: number; count: number };
}

function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export async function createWebServer(options: WebOptions) {
  const { db } = options;
  const appSettings = options.settings ?? readSettings();
  const { variables, store, publicUrl } = appSettings;
  const configured = options.auth ?? authConfigFromEnv(variables);
  const processes = Math.max(1, options.process?.count ?? 1);
  const authConfig =
    processes === 1
      ? configured
      : {
          ...configured,
          loginAttemptsPerMinute: Math.max(1, Math.ceil(configured.loginAttemptsPerMinute / processes)),
        };
  const demoIdp =
    options.demoCitizenIdp && !authConfig.citizenOidc
      ? await createDemoCitizenIdp(options.demoCitizenIdp)
      : null;
  const settings = authSettings(
    demoIdp ? { ...authConfig, citizenOidc: demoIdp.config } : authConfig,
    appSettings.publicOrigin,
  );
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    ajv: AJV_OPTIONS,
    schemaErrorFormatter: schemaErrorMessage,
  });

  const serving = options.process;
  if (serving) {
    const index = String(serving.index);
    app.addHook("onRequest", (_request, reply, done) => {
      reply.header("x-oneplace-process", index);
      done();
    });
  }
  await app.register(requestSchemasPlugin);
  await app.register(securityHeadersPlugin, { hsts: options.hsts });
  await app.register(formBodyPlugin);
  await app.register(errorsPlugin);
  await app.register(viewsPlugin);
  await app.register(authPlugin, { db, settings });

  await app.register(statusRoutes, {
    db,
    placeName: options.placeName,
    summaryTtlMs: options.summaryTtlMs ?? 30_000,
  });
  await app.register(assetRoutes);
  await app.register(loginRoutes, { db, settings });
  await app.register(citizenRoutes, { db, settings });
  if (demoIdp) await app.register(demoIdp.routes);
  await app.register(homeRoutes);
  await app.register(meRoutes, { db });
  await app.register(peopleRoutes);
  await app.register(findRoutes);
  await app.register(personRoutes);
  await app.register(careRoutes);
  await app.register(careContributionRoutes);
  await app.register(careProxyRoutes);
  await app.register(mdtRoutes, { chromium: appSettings.chromium });
  await app.register(registerRoutes);
  await app.register(registersRoutes);
  await app.register(commissioningRoutes, { keys: pseudonymKeysFromEnv(variables) });
  await app.register(adminRoutes);
  await app.register(notificationsRoutes);

  if (options.admissionNotifier !== false) {
    const intervalMs = options.admissionNotifier?.intervalMs;
    let notifier: AdmissionNotifier | null = null;
    app.addHook("onReady", async () => {
      notifier = startAdmissionNotifier({ db, logger: options.logger, intervalMs });
    });
    app.addHook("onClose", async () => {
      await notifier?.stop();
    });
  }
  await app.register(backofficeRoutes);
  await app.register(igRoutes);
  await app.register(fhirPlugin, {
    db,
    sessionOf: sessionIdentity(db, settings),
    version: appVersion(),
    publicUrl,
    exports: {
      dir: join(store.home, "fhir-exports"),
      keys: pseudonymKeysFromEnv(variables),
    },
  });
  return app;
}
