import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { NHSUK_DIST } from "./render.ts";

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
};

const STYLESHEET = "nhsuk-frontend.min.css";

let stylesheet: Promise<string> | null = null;

/**
 * The NHS.UK stylesheet without its @font-face rules: they load Frutiger from the NHS's own servers, which
 * is licensed for NHS websites only, and nothing may download at run time. Pages fall back to Arial.
 */
function nhsukStylesheet(): Promise<string> {
  stylesheet ??= readFile(join(NHSUK_DIST, "nhsuk", STYLESHEET), "utf8").then((css) =>
    css.replace(/@font-face\{[^}]*url\(https?:[^}]*\}/g, ""),
  );
  return stylesheet;
}

/** Serves a file by name from the first of dirs that has it; a name cannot climb out of those folders. */
async function sendFile(reply: FastifyReply, dirs: string[], file: string): Promise<FastifyReply> {
  const ext = /^[a-z0-9][a-z0-9.-]*\.([a-z]+)$/.exec(file)?.[1];
  const type = ext ? TYPES[ext] : undefined;
  if (type) {
    for (const dir of dirs) {
      try {
        const body = await readFile(join(dir, file));
        return reply.type(type).header("cache-control", "public, max-age=86400").send(body);
      } catch {}
    }
  }
  return reply
    .status(404)
    .type("application/problem+json")
    .send({ type: "about:blank", title: "Not found", status: 404 });
}

export function registerAssetRoutes(app: FastifyInstance): void {
  app.get<{ Params: { file: string } }>("/assets/nhsuk/:file", async (request, reply) => {
    if (request.params.file === STYLESHEET) {
      return reply
        .type(TYPES.css)
        .header("cache-control", "public, max-age=86400")
        .send(await nhsukStylesheet());
    }
    return sendFile(
      reply,
      [join(NHSUK_DIST, "nhsuk"), join(NHSUK_DIST, "nhsuk/assets")],
      request.params.file,
    );
  });
  app.get<{ Params: { file: string } }>("/assets/nhsuk/images/:file", (request, reply) =>
    sendFile(reply, [join(NHSUK_DIST, "nhsuk/assets/images")], request.params.file),
  );
}
