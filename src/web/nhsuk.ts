// Where the NHS.UK design system lives, and its stylesheet as OnePlace serves it.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const NHSUK_DIST = join(here, "../../node_modules/nhsuk-frontend/dist");
export const VIEWS_DIR = join(here, "views");
/** OnePlace's own static scripts, served under /assets/oneplace/. */
export const STATIC_DIR = join(here, "static");
export const STYLESHEET = "nhsuk-frontend.min.css";

let stylesheet: Promise<string> | null = null;

/**
 * The NHS.UK stylesheet without its @font-face rules: they load Frutiger from the NHS's own servers, which
 * is licensed for NHS websites only, and nothing may download at run time. Pages fall back to Arial.
 */
export function nhsukStylesheet(): Promise<string> {
  stylesheet ??= readFile(join(NHSUK_DIST, "nhsuk", STYLESHEET), "utf8").then((css) =>
    css.replace(/@font-face\{[^}]*url\(https?:[^}]*\}/g, ""),
  );
  return stylesheet;
}
