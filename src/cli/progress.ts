// A progress bar on stderr with counts and rates. On a terminal it redraws in place; otherwise (CI, pipes)
// it prints a plain line at most every few seconds, so logs stay readable.

export interface Progress {
  /** total may be revised as work reveals its size. */
  update(done: number, detail?: string, total?: number): void;
  finish(detail?: string): void;
}

const WIDTH = 28;

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  enabled = true,
): Progress {
  if (!enabled) return { update() {}, finish() {} };
  const started = performance.now();
  const interactive = stream.isTTY === true;
  let lastDraw = 0;
  let done = 0;
  let expected = total;

  const line = (detail?: string) => {
    const seconds = (performance.now() - started) / 1000;
    const share = expected > 0 ? Math.min(1, done / expected) : 0;
    const filled = Math.round(share * WIDTH);
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const fmt = (n: number) => n.toLocaleString("en-GB");
    return `${label} [${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}] ${fmt(done)}/${fmt(expected)} ${(share * 100).toFixed(0)}% ${fmt(rate)}/s ${seconds.toFixed(1)}s${detail ? ` ${detail}` : ""}`;
  };

  return {
    update(n, detail, newTotal) {
      done = n;
      if (newTotal !== undefined) expected = newTotal;
      const now = performance.now();
      if (now - lastDraw < (interactive ? 100 : 5_000)) return;
      lastDraw = now;
      if (interactive) stream.write(`\r\x1b[2K${line(detail)}`);
      else stream.write(`${line(detail)}\n`);
    },
    finish(detail) {
      done = Math.max(done, expected);
      if (interactive) stream.write(`\r\x1b[2K${line(detail)}\n`);
      else stream.write(`${line(detail)}\n`);
    },
  };
}
