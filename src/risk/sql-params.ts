/** Collects positional parameters while SQL text is built: p.add(value) returns "$n". */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast ? `$${this.values.length}::${cast}` : `$${this.values.length}`;
  }
}

/** A finite number as a float8 SQL literal, for coefficients baked into a scoring expression. */
export function float8(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`Not a finite number: ${x}`);
  return `(${x.toString()})::float8`;
}
