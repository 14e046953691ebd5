// What the faces (web, cli, api) use of the platform: the database door and the logger.

export * from "./database.ts";
export { createLogger } from "./log.ts";
export { errorForLog, type LoggedError, redactPersonalData } from "./redact.ts";
export {
  DEFAULT_PUBLIC_URL,
  publicUrlOf,
  readSettings,
  SETTINGS,
  type SettingDoc,
  type Settings,
  type SettingVariables,
} from "./settings.ts";
export { longdate, num, periodLabel } from "./view-filters.ts";
export { createViewEnvironment } from "./views.ts";
