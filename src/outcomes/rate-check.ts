// A stated rate checked against its own numerator and denominator. A printed figure is rounded, so it is
// consistent when it is within half a unit of its last printed digit of what the parts give: 597 for
// 135 / 22,600 x 100,000 = 597.3 is consistent; 899 for 180 / 21,090 x 100,000 = 853.5 is not.

export interface RateCheck {
  status: "consistent" | "mismatch" | "unchecked";
  /** What the numerator and denominator give, or null when either is missing. */
  computed: number | null;
  /** The largest difference rounding can explain. */
  tolerance: number;
}

/** Decimal places of a printed figure ("89.8" -> 1, "£10,565" -> 0, "64.5%" -> 1). */
export function printedDecimals(printed: string | number): number {
  const text = String(printed).replace(/[^0-9.]/g, "");
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

export function rateFromParts(
  numerator: number,
  denominator: number,
  multiplier: number,
  averageMonths = 1,
): number | null {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return null;
  return (numerator / averageMonths / denominator) * multiplier;
}

export function checkRate(options: {
  value: number | null | undefined;
  printed?: string | null;
  numerator: number | null | undefined;
  denominator: number | null | undefined;
  multiplier: number;
  averageMonths?: number;
}): RateCheck {
  const { value, numerator, denominator } = options;
  const decimals = printedDecimals(options.printed ?? String(value ?? ""));
  const tolerance = 0.5 * 10 ** -decimals;
  if (value === null || value === undefined || numerator === null || numerator === undefined) {
    return { status: "unchecked", computed: null, tolerance };
  }
  if (denominator === null || denominator === undefined)
    return { status: "unchecked", computed: null, tolerance };
  const computed = rateFromParts(numerator, denominator, options.multiplier, options.averageMonths);
  if (computed === null) return { status: "unchecked", computed: null, tolerance };
  const consistent = Math.abs(computed - value) <= tolerance + 1e-9;
  return { status: consistent ? "consistent" : "mismatch", computed, tolerance };
}
