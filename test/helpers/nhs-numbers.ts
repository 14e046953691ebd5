import { nhsNumberCheckDigit } from "../../src/core/nhs-number.ts";

/**
 * The i-th of a run of valid NHS Numbers from the range reserved for testing (999 …): distinct for distinct i,
 * the same every run. Numbers with no check digit are skipped, within the ten the i-th may take.
 */
export function testNhsNumber(i: number): string {
  for (let k = i * 10; ; k++) {
    const first9 = `999${String(k).padStart(6, "0")}`;
    const check = nhsNumberCheckDigit(first9);
    if (check !== null) return `${first9}${check}`;
  }
}
