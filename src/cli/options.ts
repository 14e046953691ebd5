// Options that many commands share, declared once.
import { flag, int, text } from "./command.ts";

export const json = flag("Print the result as JSON");
export const quiet = flag("No progress output", { short: "q" });

/** A stored BCF plan and its version (bcf, report). */
export const plan = text("The BCF plan (default: the only one stored)", { valueName: "id" });
export const planVersion = int("The plan version (default: the latest)", { min: 1, max: 1_000_000 });

export const host = text("Address to listen on (default 127.0.0.1)", {
  valueName: "address",
  default: "127.0.0.1",
});
