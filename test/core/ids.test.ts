import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isUuid, newId, uuidFromRandom } from "../../src/core/ids.ts";

test("newId gives distinct version-4 UUIDs", () => {
  const ids = new Set(Array.from({ length: 1000 }, newId));
  assert.equal(ids.size, 1000);
  for (const id of ids)
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("uuidFromRandom lays the four draws out in order, with version and variant bits set", () => {
  const draws = [0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210];
  assert.equal(
    uuidFromRandom(() => draws.shift() as number),
    "01234567-89ab-4def-bedc-ba9876543210",
  );
  assert.equal(
    uuidFromRandom(() => 0),
    "00000000-0000-4000-8000-000000000000",
  );
  assert.equal(
    uuidFromRandom(() => 0xffffffff),
    "ffffffff-ffff-4fff-bfff-ffffffffffff",
  );
});

test("property: uuidFromRandom always yields a v4 UUID and is deterministic in its draws", () => {
  const draws = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 });
  fc.assert(
    fc.property(draws, (four) => {
      const a = [...four];
      const b = [...four];
      const id = uuidFromRandom(() => a.shift() as number);
      assert.equal(
        id,
        uuidFromRandom(() => b.shift() as number),
      );
      assert.equal(isUuid(id), true);
      assert.equal(id[14], "4");
      assert.ok("89ab".includes(id[19]));
      assert.equal(id.slice(0, 8), four[0].toString(16).padStart(8, "0"));
    }),
  );
});

test("isUuid accepts RFC UUIDs in either case and rejects near misses", () => {
  assert.equal(isUuid("01234567-89ab-4def-bedc-ba9876543210"), true);
  assert.equal(isUuid("01234567-89AB-4DEF-BEDC-BA9876543210"), true);
  assert.equal(isUuid("01234567-89ab-7def-8edc-ba9876543210"), true); // v7
  for (const s of [
    "01234567-89ab-4def-cedc-ba9876543210", // wrong variant
    "01234567-89ab-0def-bedc-ba9876543210", // version 0
    "0123456789ab4defbedcba9876543210",
    "01234567-89ab-4def-bedc-ba987654321",
    "g1234567-89ab-4def-bedc-ba9876543210",
    "",
  ]) {
    assert.equal(isUuid(s), false, s);
  }
});
