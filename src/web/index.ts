export type { DemoCitizen } from "./demo-citizen-idp.ts";
export { minutesHtml, minutesPdf } from "./mdt-minutes-pdf.ts";
export type { RouteInfo } from "./plugins/request-schemas.ts";
export { createWebServer } from "./server.ts";
