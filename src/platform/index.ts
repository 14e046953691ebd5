// What the faces (web, cli, api) use of the platform: the database door and the logger.

export * from "./database.ts";
export { createLogger } from "./log.ts";
export { num } from "./view-filters.ts";
export { createViewEnvironment } from "./views.ts";
