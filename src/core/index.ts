export * from "./codes.ts";
export * from "./dates.ts";
export * from "./ids.ts";
export * from "./nhs-number.ts";
export * from "./org-codes.ts";
export * from "./periods.ts";
export * from "./result.ts";
export * from "./rng.ts";
