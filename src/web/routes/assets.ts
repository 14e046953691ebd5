// The NHS.UK stylesheet, scripts and images, served from the installed package, and OnePlace's own few static
// scripts (src/web/static: no script is inline, so the Content Security Policy refuses inline ones). Public:
// no personal data.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { NHSUK_DIST, nhsukStylesheet, STATIC_DIR, STYLESHEET } from "../nhsuk.ts";
import { sendProblem } from "../plugins/problem.ts";

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
};

const CACHE = "public, max-age=86400";

/** Serves a file by name from the first of dirs that has it; a name cannot climb out of those folders. */
async function sendFile(reply: FastifyReply, dirs: string[], file: string): Promise<FastifyReply> {
  const ext = /^[a-z0-9][a-z0-9.-]*\.([a-z]+)$/.exec(file)?.[1];
  const type = ext ? TYPES[ext] : undefined;
  if (type) {
    for (const dir of dirs) {
      try {
        const body = await readFile(join(dir, file));
        return reply.type(type).header("cache-control", CACHE).send(body);
      } catch {}
    }
  }
  return sendProblem(reply, 404, "No such asset.");
}

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  const config = { public: true };
  app.get<{ Params: { file: string } }>("/assets/nhsuk/:file", { config }, async (request, reply) => {
    if (request.params.file === STYLESHEET) {
      return reply
        .type(TYPES.css)
        .header("cache-control", CACHE)
        .send(await nhsukStylesheet());
    }
    return sendFile(
      reply,
      [join(NHSUK_DIST, "nhsuk"), join(NHSUK_DIST, "nhsuk/assets")],
      request.params.file,
    );
  });
  app.get<{ Params: { file: string } }>("/assets/oneplace/:file", { config }, (request, reply) =>
    sendFile(reply, [STATIC_DIR], request.params.file),
  );
  app.get<{ Params: { file: string } }>("/assets/nhsuk/images/:file", { config }, (request, reply) =>
    sendFile(reply, [join(NHSUK_DIST, "nhsuk/assets/images")], request.params.file),
  );
}
