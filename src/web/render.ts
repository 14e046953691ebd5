import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import nunjucks from "nunjucks";

const here = dirname(fileURLToPath(import.meta.url));
export const NHSUK_DIST = join(here, "../../node_modules/nhsuk-frontend/dist");

export function createViews(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([join(here, "views"), NHSUK_DIST]), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.addFilter("num", (n: number) => new Intl.NumberFormat("en-GB").format(n));
  return env;
}
