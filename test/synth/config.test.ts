import assert from "node:assert/strict";
import { test } from "node:test";
import { OnePlaceError } from "../../src/core/errors.ts";
import {
  DEFAULT_SYNTH_CONFIG,
  placeScale,
  type SynthConfig,
  validateSynthConfig,
} from "../../src/synth/config.ts";

function withChange(change: Partial<SynthConfig>): SynthConfig {
  return { ...DEFAULT_SYNTH_CONFIG, ...change };
}

test("the default configuration is Thurrock: seed, registered population, four years of history and fault rates", () => {
  assert.equal(DEFAULT_SYNTH_CONFIG.seed, "thurrock");
  assert.equal(DEFAULT_SYNTH_CONFIG.people, 165_996);
  assert.equal(DEFAULT_SYNTH_CONFIG.historyStart, "2012-04-01");
  assert.equal(DEFAULT_SYNTH_CONFIG.historyEnd, "2016-03-31");
  assert.deepEqual(DEFAULT_SYNTH_CONFIG.faults, {
    socialCareMissingNhsNumber: 0.1,
    socialCareMistypedNhsNumber: 0.05,
    nameVariant: 0.05,
    duplicateSocialCareRecord: 0.02,
    hospitalMissingNhsNumber: 0.01,
  });
  assert.doesNotThrow(() => validateSynthConfig(DEFAULT_SYNTH_CONFIG));
  assert.equal(placeScale(DEFAULT_SYNTH_CONFIG), 1);
  assert.throws(() => {
    (DEFAULT_SYNTH_CONFIG as { people: number }).people = 1;
  }, TypeError);
});

test("each unusable setting is refused as invalid (synth.config) with a message that says what to change", () => {
  const cases: [Partial<SynthConfig>, RegExp][] = [
    [{ people: 99 }, /people must be a whole number from 100 to 2,000,000, got 99/],
    [{ people: 2_000_001 }, /people must be .* got 2000001/],
    [{ people: 1000.5 }, /whole number/],
    [{ seed: "" }, /seed must be a non-empty string/],
    [{ historyStart: "2012-13-01" }, /historyStart must be a calendar date written YYYY-MM-DD/],
    [{ historyEnd: "31/03/2016" }, /historyEnd must be a calendar date/],
    [{ historyStart: "2016-04-01", historyEnd: "2016-03-31" }, /must be before historyEnd/],
    [
      { historyStart: "2015-04-01", historyEnd: "2016-03-30" },
      /at least one year: .* 2016-04-01 minus a day or later/,
    ],
    [
      { faults: { ...DEFAULT_SYNTH_CONFIG.faults, nameVariant: 1.5 } },
      /faults.nameVariant must be a proportion from 0 to 1/,
    ],
    [
      { faults: { ...DEFAULT_SYNTH_CONFIG.faults, hospitalMissingNhsNumber: -0.1 } },
      /faults.hospitalMissingNhsNumber/,
    ],
    [
      {
        faults: {
          ...DEFAULT_SYNTH_CONFIG.faults,
          socialCareMissingNhsNumber: 0.7,
          socialCareMistypedNhsNumber: 0.4,
        },
      },
      /cannot exceed 1/,
    ],
  ];
  for (const [change, message] of cases) {
    assert.throws(
      () => validateSynthConfig(withChange(change)),
      (e: unknown) => {
        assert.ok(e instanceof OnePlaceError, `expected a OnePlaceError for ${JSON.stringify(change)}`);
        assert.equal(e.kind, "invalid");
        assert.equal(e.code, "synth.config");
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

test("exactly one year of history and the population limits are accepted", () => {
  assert.doesNotThrow(() =>
    validateSynthConfig(withChange({ historyStart: "2015-04-01", historyEnd: "2016-03-31" })),
  );
  assert.doesNotThrow(() => validateSynthConfig(withChange({ people: 100 })));
  assert.doesNotThrow(() => validateSynthConfig(withChange({ people: 2_000_000 })));
  assert.equal(placeScale(withChange({ people: 82_998 })), 0.5);
});
