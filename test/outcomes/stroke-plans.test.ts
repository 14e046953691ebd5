// Thurrock's local metric: stroke-unit discharges with a joint health and social care plan in place on the
// day of discharge.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { at, valuesOf } from "./helpers/compute.ts";
import { TestPlace } from "./helpers/place.ts";

let t: TestDb;

before(async () => {
  t = await openTestDb();
  const place = new TestPlace(t.db);
  await place.organisations();
  const stroke = async (
    plan: { started: string; ended?: string } | null,
    extra: { died?: boolean; strokeUnit?: boolean } = {},
  ) => {
    const id = await place.person({ born: "1945-01-01" });
    await place.spell(id, {
      admitted: "2015-07-01",
      discharged: "2015-07-20",
      strokeUnit: extra.strokeUnit ?? true,
      dischargeMethod: extra.died ? "died" : "discharged",
      destination: extra.died ? "79" : "19",
    });
    if (plan) await place.carePlan(id, plan);
  };
  await stroke({ started: "2015-07-15" }); // plan before discharge: counted
  await stroke({ started: "2015-07-20" }); // plan on the discharge day: counted
  await stroke({ started: "2015-08-01" }); // plan after discharge: not
  await stroke({ started: "2015-01-01", ended: "2015-06-30" }); // plan ended before: not
  await stroke(null); // no plan
  await stroke({ started: "2015-07-10" }, { died: true }); // died: not eligible
  await stroke({ started: "2015-07-10" }, { strokeUnit: false }); // not on the stroke unit: not eligible
});

after(() => t?.dispose());

test("counts eligible stroke-unit discharges with a joint plan in place on the day", async () => {
  const q = at(await valuesOf(t.db, "local", ["2015-Q3"]), "2015-Q3");
  assert.equal(q.denominator, 5);
  assert.equal(q.numerator, 2);
  assert.equal(q.value, 40);
});
