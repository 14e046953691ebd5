import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { instant } from "../../src/ingest/csv/fields.ts";

// The general rule for an instant cell: ISO 8601 with an offset, read by Date, kept as UTC with milliseconds.
function reference(t: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0"));

test("an extraction time is read as the general rule reads it, whatever its form (the usual one is checked by hand)", () => {
  const written = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, "0")),
      two(13),
      two(32),
      two(25),
      two(61),
      two(61),
      fc.constantFrom("Z", "+01:00", "-05:30", ".5Z", ""),
    )
    .map(([y, mo, d, h, mi, s, tail]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${tail}`);
  fc.assert(
    fc.property(fc.oneof(written, fc.string({ maxLength: 24 })), (t) => {
      // Twice: the second answer comes from the remembered last one.
      for (let i = 0; i < 2; i++) {
        const got = instant.parse(t);
        assert.equal(got.ok ? got.value : null, reference(t), t);
      }
    }),
    { numRuns: 5000 },
  );
  assert.deepEqual(instant.parse("2014-05-22T02:00:00Z"), { ok: true, value: "2014-05-22T02:00:00.000Z" });
  assert.equal(instant.parse("2014-02-30T02:00:00Z").ok, true); // Date rolls it over: the rule accepts it
  assert.equal(instant.parse("2014-05-22T02:00:60Z").ok, false);
  assert.equal(instant.parse("2014-05-22 02:00:00Z").ok, false);
});
