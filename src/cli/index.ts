// The command line's pieces a test may use in its own process.
export { formatCareHistory } from "./commands/synth.ts";
