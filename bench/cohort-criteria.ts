// The cohorts the risk benches time, one of each kind a commissioner builds: frailty, risk tier without a joint
// plan, deficits with admissions, and the top percentile with home care in two localities.
export const BENCH_COHORTS = [
  { age: { min: 65 }, efiCategories: ["moderate", "severe"] },
  { riskTiers: ["very-high", "high"], carePlan: false },
  {
    deficits: { all: ["falls"], any: ["heart-failure", "diabetes"] },
    activity: [{ measure: "emergency-admissions", min: 1 }],
  },
  { riskPercentile: { min: 95 }, socialCare: { any: ["home-care"] }, localities: ["ZZL01", "ZZL03"] },
] as const;
