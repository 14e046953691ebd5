import type { Queryable } from "../store/index.ts";
import type { AreaLevel } from "./definitions.ts";

/** Every organisation's name by its code, for labelling values by area. */
export async function areaNames(db: Queryable): Promise<Map<string, string>> {
  const rows = await db.query<{ org_code: string; name: string }>("SELECT org_code, name FROM organisation");
  return new Map(rows.map((r) => [r.org_code, r.name]));
}

/** The level a value for this area is kept at: the place, a locality or a practice; null for anything else. */
export async function areaLevelOf(db: Queryable, areaCode: string): Promise<AreaLevel | null> {
  if (areaCode === "place") return "place";
  const [org] = await db.query<{ kind: string }>("SELECT kind FROM organisation WHERE org_code = $1", [
    areaCode,
  ]);
  return org?.kind === "locality" || org?.kind === "practice" ? org.kind : null;
}
