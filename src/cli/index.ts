// The command line's pieces a test may use in its own process: the MLLP listener as `oneplace mllp` and
// `oneplace serve` start it (with the rescorer that brings the people it changes up to date), and the synthetic
// care history's summary line.
export { startListener } from "./commands/mllp.ts";
export { formatCareHistory } from "./commands/synth.ts";
