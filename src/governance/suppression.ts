// Small-number suppression for aggregates shown to roles without direct-care access: a count from 1 to 4
// could identify someone, so it is withheld; if only one cell of a table is withheld, the next smallest is
// withheld too, so that the total cannot give it away.

export const SUPPRESS_BELOW = 5;

export interface CountCell<K> {
  key: K;
  count: number;
}

export interface ShownCell<K> {
  key: K;
  /** null when suppressed */
  count: number | null;
  suppressed: boolean;
}

export function suppressSmallCounts<K>(
  cells: readonly CountCell<K>[],
  threshold = SUPPRESS_BELOW,
): ShownCell<K>[] {
  const hide = new Set<number>();
  cells.forEach((c, i) => {
    if (c.count > 0 && c.count < threshold) hide.add(i);
  });
  if (hide.size === 1 && cells.length > 1) {
    let next = -1;
    cells.forEach((c, i) => {
      if (!hide.has(i) && c.count > 0 && (next === -1 || c.count < cells[next].count)) next = i;
    });
    if (next !== -1) hide.add(next);
  }
  return cells.map((c, i) =>
    hide.has(i)
      ? { key: c.key, count: null, suppressed: true }
      : { key: c.key, count: c.count, suppressed: false },
  );
}

/** A total shown beside suppressed cells is itself suppressed when it is a small number. */
export function suppressTotal(total: number, threshold = SUPPRESS_BELOW): number | null {
  return total > 0 && total < threshold ? null : total;
}

/** A metric figure as it leaves direct care: a value with the counts it is made from. */
export interface Figure {
  metricId: string;
  periodId: string;
  areaLevel: string;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  breakdown?: { numerator?: Record<string, number>; denominator?: Record<string, number> } | null;
  note: string | null;
}

export const SUPPRESSED_NOTE = "suppressed: a count from 1 to 4 could identify someone";

/**
 * Small-number suppression for metric figures that leave the direct-care context (the board report,
 * exports, commissioning pages), by the rules the pseudonymised counts use (suppressSmallCounts): in each
 * metric, period and area level, a figure whose numerator is 1 to 4 is withheld, and if only one is, the
 * next smallest is withheld too, so that the total cannot give it away; a denominator of 1 to 4 withholds
 * its figure; a breakdown with a small count is withheld. A withheld figure keeps its row, with no numbers
 * and the note saying why. The place's own figures are the Health and Wellbeing Board area's published BCF
 * statistics and are shown as they are (`published`); withholding a second locality when one is withheld
 * keeps the place total from giving a locality away.
 */
export function suppressFigures<T extends Figure>(
  figures: readonly T[],
  options: { published?: readonly string[] } = {},
): (T & { suppressed: boolean })[] {
  const published = new Set(options.published ?? ["place"]);
  const groups = new Map<string, number[]>();
  figures.forEach((f, i) => {
    if (published.has(f.areaLevel)) return;
    const key = `${f.metricId}\u0000${f.periodId}\u0000${f.areaLevel}`;
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  });
  const hide = new Set<number>();
  for (const members of groups.values()) {
    const cells = members
      .filter((i) => figures[i].numerator !== null)
      .map((i) => ({ key: i, count: Math.round(Number(figures[i].numerator)) }));
    for (const cell of suppressSmallCounts(cells)) if (cell.suppressed) hide.add(cell.key);
    for (const i of members) {
      const d = figures[i].denominator;
      if (d !== null && suppressTotal(Math.round(Number(d))) === null) hide.add(i);
    }
  }
  return figures.map((f, i) => {
    if (hide.has(i)) {
      return {
        ...f,
        numerator: null,
        denominator: null,
        value: null,
        ...(f.breakdown !== undefined ? { breakdown: null } : {}),
        note: f.note ? `${f.note}; ${SUPPRESSED_NOTE}` : SUPPRESSED_NOTE,
        suppressed: true,
      };
    }
    const parts = f.breakdown ? [f.breakdown.numerator ?? {}, f.breakdown.denominator ?? {}] : [];
    const smallPart = parts.some((part) =>
      suppressSmallCounts(Object.values(part).map((n, k) => ({ key: k, count: Math.round(n) }))).some(
        (c) => c.suppressed,
      ),
    );
    return { ...f, ...(smallPart ? { breakdown: null } : {}), suppressed: false };
  });
}
