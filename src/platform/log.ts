import pino, { type Logger } from "pino";
import { errorForLog } from "./redact.ts";
import { readSettings } from "./settings.ts";

/**
 * Structured JSON logs on stderr. Requests are logged by method and route pattern only, never the URL or
 * headers, because URLs and query strings can carry identifiers. Nothing here may log names, NHS Numbers,
 * dates of birth or addresses: log internal ids and counts. An error is logged by errorForLog (redact.ts).
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? readSettings().logLevel,
      base: { service: "oneplace" },
      serializers: {
        req: (req: { method?: string; routeOptions?: { url?: string } }) => ({
          method: req.method,
          route: req.routeOptions?.url ?? "unmatched",
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        // Class, redacted message and frames: a message can quote the data a defect failed on.
        err: (err: Error) => errorForLog(err),
      },
    },
    options.destination ?? pino.destination(2),
  );
}
