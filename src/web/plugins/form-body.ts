// HTML forms post application/x-www-form-urlencoded: parsed strictly, first value wins, small bodies only.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const formBodyPlugin = fp(async (app: FastifyInstance) => {
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 16_384 },
    (_request, body, done) => {
      const form: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(body as string)) if (!(key in form)) form[key] = value;
      done(null, form);
    },
  );
});
