// The same JavaScript values from both engines: dates stay ISO strings (no time-zone shifts), and counts
// (bigint) and numeric values become numbers.

export const PG_TYPE_OIDS = { int8: 20, numeric: 1700, date: 1082 } as const;

export const typeParsers: Record<number, (text: string) => unknown> = {
  [PG_TYPE_OIDS.int8]: (text) => Number(text),
  [PG_TYPE_OIDS.numeric]: (text) => Number(text),
  [PG_TYPE_OIDS.date]: (text) => text,
};
