// The status page's context from the place summary: shared by the route and the page's fixtures.
import type { PlaceSummary } from "../../platform/index.ts";
import { num } from "../../platform/index.ts";

export function statusContext(placeName: string, engine: string, summary: PlaceSummary) {
  return {
    title: "Status",
    placeName,
    summary,
    engineLabel: engine === "pglite" ? "Embedded (PGlite)" : "PostgreSQL server",
    eventRows: summary.eventsByKind.map((e) => [{ text: e.kind }, { text: num(e.rows), format: "numeric" }]),
  };
}
