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
