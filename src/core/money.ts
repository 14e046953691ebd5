/** Pounds, whole, the British way: £1,234, -£56; "not stated" when there is no amount. */
export function formatPounds(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "not stated";
  const sign = amount < 0 ? "-" : "";
  return `${sign}£${Math.abs(Math.round(amount)).toLocaleString("en-GB")}`;
}
