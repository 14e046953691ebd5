// The command line's pieces a test may start in its own process: the MLLP listener as `oneplace mllp` and
// `oneplace serve` start it (with the rescorer that brings the people it changes up to date).
export { startListener } from "./commands/mllp.ts";
