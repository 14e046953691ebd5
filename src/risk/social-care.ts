// Social care service types as bits, so a person's services fit one small integer in risk_person.
export const SERVICE_TYPES = [
  "reablement",
  "telecare",
  "home-care",
  "day-care",
  "direct-payment",
  "equipment",
  "meals",
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export function serviceBit(type: string): number {
  const i = SERVICE_TYPES.indexOf(type as ServiceType);
  if (i < 0) {
    throw new RangeError(
      `Not a social care service type: ${JSON.stringify(type)} (one of ${SERVICE_TYPES.join(", ")})`,
    );
  }
  return 1 << i;
}

export function serviceMask(types: readonly string[]): number {
  return types.reduce((mask, t) => mask | serviceBit(t), 0);
}

export function servicesInMask(mask: number): ServiceType[] {
  return SERVICE_TYPES.filter((_, i) => mask & (1 << i));
}

/**
 * SQL mapping a service_type column to its bit. A searched CASE: Citus sends a simple `CASE column WHEN ...`
 * inside an INSERT ... SELECT to its workers as `WHEN NULL::boolean`, which they refuse.
 */
export function serviceBitSql(column: string): string {
  return `CASE ${SERVICE_TYPES.map((t, i) => `WHEN ${column} = '${t}' THEN ${1 << i}`).join(" ")} ELSE 0 END`;
}
