// ODS-style organisation codes, and obviously fake codes for synthetic data.

/** ODS code shape: 3 to 10 upper-case letters or digits (trusts RXX, sites, practices F81001). */
export function isValidOdsCode(s: string): boolean {
  return typeof s === "string" && /^[A-Z0-9]{3,10}$/.test(s);
}

/** GP practice code: one letter then five digits, e.g. F81001. */
export function isPracticeCode(s: string): boolean {
  return typeof s === "string" && /^[A-Z]\d{5}$/.test(s);
}

export type SyntheticOrgKind =
  | "locality"
  | "acute"
  | "community"
  | "mental-health"
  | "ambulance"
  | "council"
  | "ccg"
  | "care-home";

const SYNTHETIC_ORG_LETTER: Readonly<Record<SyntheticOrgKind, string>> = {
  locality: "L",
  acute: "A",
  community: "C",
  "mental-health": "M",
  ambulance: "E",
  council: "X",
  ccg: "G",
  "care-home": "H",
};

function checkSerial(n: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new RangeError(`Synthetic ${what} number must be a whole number from 1 to ${max}, got ${n}`);
  }
}

/** "Z9" + 4 digits, e.g. Z90001. Real practice codes do not start Z9. */
export function syntheticPracticeCode(n: number): string {
  checkSerial(n, 9999, "practice");
  return `Z9${String(n).padStart(4, "0")}`;
}

/** "ZZ" + kind letter + 2 digits (3 for care homes, which are numerous): ZZA01, ZZH001. */
export function syntheticOrgCode(kind: SyntheticOrgKind, n: number): string {
  const letter = SYNTHETIC_ORG_LETTER[kind];
  if (letter === undefined) {
    throw new RangeError(
      `Unknown synthetic organisation kind: ${JSON.stringify(kind)} (expected one of ${Object.keys(SYNTHETIC_ORG_LETTER).join(", ")})`,
    );
  }
  const width = kind === "care-home" ? 3 : 2;
  checkSerial(n, 10 ** width - 1, kind);
  return `ZZ${letter}${String(n).padStart(width, "0")}`;
}

/** True for codes in the synthetic ranges (Z9nnnn, ZZ + kind letter + serial), which real ODS codes never use. */
export function isSyntheticOrgCode(s: string): boolean {
  return typeof s === "string" && /^(?:Z9\d{4}|ZZ[LACMEXG]\d{2}|ZZH\d{3})$/.test(s);
}
