// The command line's pieces a test or a bench may use in its own process: the MLLP listener as `oneplace mllp`
// and `oneplace serve` start it (with the rescorer that brings the people it changes up to date), the synthetic
// care history's summary line, and the identity a named user's commands act as (`--as USERNAME`).
export { careIdentity } from "./commands/care.ts";
export { startListener } from "./commands/mllp.ts";
export { formatCareHistory } from "./commands/synth.ts";
