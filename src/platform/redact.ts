// Error details fit for the logs: a defect's message can quote the data it failed on ("invalid input syntax
// for type date: \"Jane Smith\"", a row's key), and the logs must never carry names, NHS Numbers, dates of
// birth or addresses. So quoted values, NHS Numbers, dates, postcodes, e-mail addresses and long digit runs
// become "[redacted]"; V8's own quoting of a property name ("(reading 'x')") is code, and is kept.

const REDACTED = "[redacted]";

const PATTERNS: readonly RegExp[] = [
  // Anything quoted, except a property name V8 quotes in "Cannot read properties of undefined (reading 'x')".
  /(?<!\((?:reading|setting) )"[^"\n]*"|(?<!\((?:reading|setting) )'[^'\n]*'|`[^`\n]*`/g,
  /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g,
  /\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?\b/g,
  /\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/g,
  /\b\d{3}[ -]?\d{3}[ -]?\d{4}\b/g,
  /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/gi,
  /\d{5,}/g,
  // After a key column in PostgreSQL's messages: "Key (nhs_number)=(9434765919)".
  /=\([^)\n]*\)/g,
];

/** The text with anything that could identify a person replaced by "[redacted]". */
export function redactPersonalData(text: string): string {
  let out = text;
  for (const pattern of PATTERNS)
    out = out.replace(pattern, (m) => (m.startsWith("=(") ? `=(${REDACTED})` : REDACTED));
  return out;
}

export interface LoggedError {
  type: string;
  message: string;
  /** The stack's frames (where in the code), without its first line (which repeats the message). */
  stack?: string;
  code?: string;
  cause?: LoggedError;
}

/** An error as the logs may hold it: its class, its message redacted, its frames, and its causes likewise. */
export function errorForLog(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: REDACTED };
  const frames = (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .map((line) => redactPersonalData(line.trim()));
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name || error.constructor?.name || "Error",
    message: redactPersonalData(error.message),
    ...(frames.length ? { stack: frames.join("\n") } : {}),
    ...(typeof code === "string" ? { code } : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: errorForLog(error.cause, depth + 1) } : {}),
  };
}
