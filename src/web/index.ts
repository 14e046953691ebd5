export { createWebServer } from "./server.ts";
