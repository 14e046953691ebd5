// The one Nunjucks environment factory: the web face and the board report render through it, with the one
// set of filters (view-filters.ts). Each caller names the folders its templates live in.
import nunjucks from "nunjucks";
import { VIEW_FILTERS } from "./view-filters.ts";

export function createViewEnvironment(templateDirs: readonly string[]): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([...templateDirs]), {
    autoescape: true,
    throwOnUndefined: false,
  });
  for (const [name, filter] of Object.entries(VIEW_FILTERS)) env.addFilter(name, filter);
  return env;
}
