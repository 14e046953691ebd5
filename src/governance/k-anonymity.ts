// k-anonymity for the pseudonymised rows commissioners see. A row's quasi-identifiers (age band, sex,
// practice, locality, small area, postcode district, deprivation decile) can single a person out even with no
// name or NHS Number: a row unique on them is a person anyone knowing those facts can find. Rows are
// generalised a step at a time, for every row alike (the small area is dropped, then the practice, then age
// bands widen to 20 years, then the postcode district and decile are dropped), until no more than a small
// share of rows (MAX_SUPPRESSED_SHARE) is still in a group smaller than k; those rows are then withheld. Every
// row released has at least k - 1 others identical on every quasi-identifier.

export const DEFAULT_K = 5;
/** The most rows a release may withhold rather than generalise further. */
export const MAX_SUPPRESSED_SHARE = 0.05;

/** The quasi-identifiers of a pseudonymised row (PseudonymisedPerson without its pseudonym). */
export interface QuasiIdentifiers {
  ageBand: string;
  sex: string;
  practiceCode: string | null;
  localityCode: string | null;
  areaCode: string | null;
  postcodeDistrict: string | null;
  imdDecile: number | null;
}
type Row = QuasiIdentifiers;
const QUASI: readonly (keyof Row)[] = [
  "ageBand",
  "sex",
  "practiceCode",
  "localityCode",
  "areaCode",
  "postcodeDistrict",
  "imdDecile",
];

const wideBand = (band: string): string => {
  const low = Number.parseInt(band, 10);
  if (!Number.isFinite(low)) return band;
  if (low >= 80) return "80+";
  const from = Math.floor(low / 20) * 20;
  return `${from}-${from + 19}`;
};

/** The generalisation steps, each applied on top of those before it. */
export const GENERALISATIONS: readonly { name: string; apply: (r: Row) => Row }[] = [
  { name: "as recorded", apply: (r) => r },
  { name: "small area dropped", apply: (r) => ({ ...r, areaCode: null }) },
  { name: "practice dropped (locality kept)", apply: (r) => ({ ...r, practiceCode: null }) },
  { name: "20-year age bands", apply: (r) => ({ ...r, ageBand: wideBand(r.ageBand) }) },
  {
    name: "postcode district and deprivation decile dropped",
    apply: (r) => ({ ...r, postcodeDistrict: null, imdDecile: null }),
  },
];

const keyOf = (r: Row): string => JSON.stringify(QUASI.map((q) => r[q]));

export interface KAnonymityMeasure {
  rows: number;
  /** Rows unique on their quasi-identifiers, and their share of all rows. */
  uniqueRows: number;
  uniqueShare: number;
  /** Rows in a group smaller than k. */
  belowK: number;
  smallestGroup: number;
}

/** The least of the sizes, 0 when none (a loop: a spread of a whole place's groups overflows the stack). */
function smallest(sizes: Iterable<number>): number {
  let least = Number.POSITIVE_INFINITY;
  for (const n of sizes) if (n < least) least = n;
  return least === Number.POSITIVE_INFINITY ? 0 : least;
}

export function measureKAnonymity(rows: readonly Row[], k = DEFAULT_K): KAnonymityMeasure {
  const sizes = new Map<string, number>();
  for (const r of rows) sizes.set(keyOf(r), (sizes.get(keyOf(r)) ?? 0) + 1);
  let uniqueRows = 0;
  let belowK = 0;
  for (const n of sizes.values()) {
    if (n === 1) uniqueRows++;
    if (n < k) belowK += n;
  }
  return {
    rows: rows.length,
    uniqueRows,
    uniqueShare: rows.length ? uniqueRows / rows.length : 0,
    belowK,
    smallestGroup: smallest(sizes.values()),
  };
}

export interface KAnonymised<T> {
  rows: T[];
  k: number;
  /** The generalisation used (its index in GENERALISATIONS and its name). */
  level: number;
  generalisation: string;
  /** Rows withheld because their group was still smaller than k. */
  withheld: number;
  before: KAnonymityMeasure;
  after: KAnonymityMeasure;
}

/** Generalises (then withholds) rows until every row released is in a group of at least k. */
export function kAnonymise<T extends Row>(rows: readonly T[], k = DEFAULT_K): KAnonymised<T> {
  const before = measureKAnonymity(rows, k);
  let level = 0;
  let current: T[] = [...rows];
  for (let i = 0; i < GENERALISATIONS.length; i++) {
    level = i;
    current = rows.map((r) => GENERALISATIONS.slice(0, i + 1).reduce((acc, g) => g.apply(acc) as T, r));
    if (measureKAnonymity(current, k).belowK <= rows.length * MAX_SUPPRESSED_SHARE) break;
  }
  const sizes = new Map<string, number>();
  for (const r of current) sizes.set(keyOf(r), (sizes.get(keyOf(r)) ?? 0) + 1);
  const released = current.filter((r) => (sizes.get(keyOf(r)) ?? 0) >= k);
  return {
    rows: released,
    k,
    level,
    generalisation: GENERALISATIONS[level].name,
    withheld: current.length - released.length,
    before,
    after: measureKAnonymity(released, k),
  };
}
