// audit_set_has (0881) answers as audit_set_contains (0220) does, only faster: a hit counts only on a
// 16-byte boundary, so an id that appears across two packed ids is not a match.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { packIds } from "../../src/governance/audit-log.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
before(async () => {
  t = await openTestDb();
});
after(() => t.dispose());

const asUuid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

async function both(packed: Buffer | null, ids: string[]): Promise<[boolean, boolean]> {
  const [row] = await t.db.query<{ fast: boolean; slow: boolean }>(
    "SELECT coalesce(audit_set_has($1::bytea, $2::uuid[]), false) AS fast, coalesce(audit_set_contains($1::bytea, $2::uuid[]), false) AS slow",
    [packed, ids],
  );
  return [row.fast, row.slow];
}

test("finds an id in any slot of a packed list, and not one that is absent", async () => {
  const ids = Array.from({ length: 300 }, () => randomUUID());
  const packed = packIds(ids);
  for (const id of [ids[0], ids[150], ids[299]]) assert.deepEqual(await both(packed, [id]), [true, true]);
  assert.deepEqual(await both(packed, [randomUUID(), ids[7]]), [true, true]);
  assert.deepEqual(await both(packed, [randomUUID()]), [false, false]);
  assert.deepEqual(await both(null, [ids[0]]), [false, false]);
});

test("an id spanning two packed ids is not a hit; the same id later on a boundary is", async () => {
  const x = "00112233445566778899aabbccddeeff";
  const straddle = [asUuid(`aaaaaaaaaaaaaaaa${x.slice(0, 16)}`), asUuid(`${x.slice(16)}bbbbbbbbbbbbbbbb`)];
  assert.deepEqual(await both(packIds(straddle), [asUuid(x)]), [false, false]);
  assert.deepEqual(await both(packIds([...straddle, asUuid(x)]), [asUuid(x)]), [true, true]);
});
