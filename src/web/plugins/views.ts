// Pages: one Nunjucks environment (src/platform/views.ts, shared with the board report) over our views and
// the NHS.UK components; reply.view(name, context) renders and sends one.
import type { FastifyInstance, FastifyReply } from "fastify";
import fp from "fastify-plugin";
import type nunjucks from "nunjucks";
import { createViewEnvironment } from "../../platform/index.ts";
import { NHSUK_DIST, VIEWS_DIR } from "../nhsuk.ts";

declare module "fastify" {
  interface FastifyReply {
    view(name: string, context: object): FastifyReply;
  }
}

/** The web face's environment: our views first, then the NHS.UK components they import. */
export function createWebViews(): nunjucks.Environment {
  return createViewEnvironment([VIEWS_DIR, NHSUK_DIST]);
}

export const viewsPlugin = fp(async (app: FastifyInstance) => {
  const views = createWebViews();
  app.decorateReply("view", function (this: FastifyReply, name: string, context: object) {
    return this.type("text/html; charset=utf-8").send(views.render(name, context));
  });
});
