// A user's page of notifications and its counts are read in one snapshot: a notification delivered while the page
// is being read is either on the page and counted, or neither.
import assert from "node:assert/strict";
import { test } from "node:test";
import { drainAdmissionQueue, readDeliveries } from "../../src/care/index.ts";
import type { Db } from "../../src/store/index.ts";
import {
  admit,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
} from "../governance/fixtures.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { leadPlan, putOnRegister } from "./fixtures.ts";

const patient = makePerson({ familyName: "Pagecount" });
let gp = "";

const store = useTestDb({
  async setup(db) {
    await insertOrganisations(db);
    await createTeams(db);
    gp = await createUserInRole(db, "gp.pagecount", "gp", "practice");
    await insertPerson(db, patient);
    await register(db, patient.personId, ORGS.practice);
    await putOnRegister(db, patient.personId);
    await leadPlan(db, patient.personId, "gp", ORGS.practice);
  },
});

test("a notification delivered while the page is read is counted as it is listed", async () => {
  await admit(store.db, patient.personId, ORGS.acute, new Date(Date.now() - 3_600_000).toISOString());
  // The notifier delivers as soon as the page's first statement has been answered.
  let delivered = false;
  const deliveringMidway = new Proxy(store.db, {
    get(target, key, receiver) {
      if (key !== "query") return Reflect.get(target, key, receiver);
      return async (...args: Parameters<Db["query"]>) => {
        const rows = await target.query(...args);
        if (!delivered) {
          delivered = true;
          assert.equal((await drainAdmissionQueue(target)).deliveries, 1);
        }
        return rows;
      };
    },
  });
  const page = await readDeliveries(deliveringMidway, gp, { limit: 25, offset: 0 });
  assert.equal(delivered, true);
  assert.equal(page.unread, page.items.filter((n) => n.readAt === null).length);
  assert.equal(page.total, page.items.length);
  const after = await readDeliveries(store.db, gp, { limit: 25, offset: 0 });
  assert.deepEqual([after.total, after.unread, after.items.length], [1, 1, 1]);
});
