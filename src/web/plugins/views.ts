// Pages: one Nunjucks environment (src/platform/views.ts, shared with the board report) over our views and
// the NHS.UK components; reply.view(name, context) renders and sends one. Every page gets the layout's
// context (layout.context.ts: `account` and `navigation`, from the request's identity) without its route
// passing it; the page's own context wins where it names the same key, as fixtures do.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type nunjucks from "nunjucks";
import { csrfTokenFor } from "../../governance/index.ts";
import { createViewEnvironment } from "../../platform/index.ts";
import { NHSUK_DIST, VIEWS_DIR } from "../nhsuk.ts";
import { type ShellContext, shellContext } from "../views/layout.context.ts";

declare module "fastify" {
  interface FastifyReply {
    view(name: string, context: object): FastifyReply;
  }
  interface FastifyRequest {
    /** How many roles (in teams) the signed-in user holds; loaded for page requests made with a session. */
    heldRoles: number | null;
  }
}

/** The web face's environment: our views first, then the NHS.UK components they import. */
export function createWebViews(): nunjucks.Environment {
  return createViewEnvironment([VIEWS_DIR, NHSUK_DIST]);
}

/** The layout's context for this request: who is signed in, as what, and the navigation for that role. */
export function requestShell(request: FastifyRequest): ShellContext & { csrf?: string } {
  const csrf = request.sessionToken ? csrfTokenFor(request.sessionToken) : null;
  const shell = shellContext(request.identity, request.url, { heldRoles: request.heldRoles, csrf });
  // Pages with forms may use the session's CSRF token as `csrf` without computing it.
  return csrf ? { ...shell, csrf } : shell;
}

export const viewsPlugin = fp(async (app: FastifyInstance) => {
  const views = createWebViews();
  app.decorateRequest("heldRoles", null);
  app.decorateReply("view", function (this: FastifyReply, name: string, context: object) {
    return this.type("text/html; charset=utf-8").send(
      views.render(name, { ...requestShell(this.request), ...context }),
    );
  });
  // After the auth plugin's onRequest (every onRequest runs before any preValidation): only a page asked
  // for with a session needs to know whether to offer "Switch role". The session look-up counted the roles.
  app.addHook("preValidation", async (request) => {
    if (request.method !== "GET" || request.identity?.via !== "session") return;
    if (/^\/(api|assets)\//.test(request.url)) return;
    request.heldRoles = request.identity.heldRoles;
  });
});
