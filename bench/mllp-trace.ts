// The MLLP listener's timeline per batch, for bench/ingest-mllp.ts (MLLP_TRACE=1 loads it into the listener with
// --import): each transaction's round trips (from the statement carrying its BEGIN to its COMMIT, on one pg
// client), the listener's time before each (parsing, deciding, or waiting for the batch before), and the ACK
// writes after the COMMIT. Printed to stderr once the listener has been idle for half a second (so once for each
// of the bench's runs). PostgreSQL only (PGlite has no round trips).
import net from "node:net";
import pg from "pg";

interface Batch {
  begin: number;
  end?: number;
  rts: [number, number][];
  /** What each round trip ran: its prepared statement's name, or the start of its last statement. */
  what: string[];
  acks: number[];
}

if (process.argv.includes("mllp")) {
  let batches: Batch[] = [];
  let quiet: NodeJS.Timeout | null = null;
  const open = new Map<unknown, Batch>();
  let last: Batch | null = null;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; name?: string } | undefined;
    const text = typeof config === "string" ? config : (config?.text ?? "");
    const name = typeof config === "string" ? undefined : config?.name;
    const started = performance.now();
    let b = open.get(this);
    if (!b && text.startsWith("BEGIN")) {
      b = { begin: started, rts: [], what: [], acks: [] };
      open.set(this, b);
    }
    const result = query.apply(this, args);
    const batch = b;
    if (batch) {
      const last =
        text
          .trim()
          .split(/;\n/)
          .filter((t) => t && t !== "BEGIN")
          .at(-1) ?? "";
      batch.what.push(
        name ?? (last.match(/^EXECUTE "([^"]+)"/)?.[1] || last.slice(0, 24).replace(/\s+/g, " ")),
      );
    }
    if (batch && result instanceof Promise) {
      const commit = /COMMIT\s*$/.test(text);
      result.then(
        () => {
          const ended = performance.now();
          batch.rts.push([started, ended]);
          if (!commit) return;
          batch.end = ended;
          open.delete(this);
          batches.push(batch);
          last = batch;
          if (quiet) clearTimeout(quiet);
          quiet = setTimeout(summary, 500);
          quiet.unref();
        },
        () => open.delete(this),
      );
    }
    return result;
  } as typeof pg.Client.prototype.query;
  const write = net.Socket.prototype.write as (...args: unknown[]) => boolean;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    const data = args[0];
    if (last && Buffer.isBuffer(data) && data[0] === 0x0b) last.acks.push(performance.now());
    return write.apply(this, args);
  } as typeof net.Socket.prototype.write;
  const summary = () => {
    const done = batches.filter((b) => b.acks.length > 0);
    batches = [];
    if (done.length === 0) return;
    const mean = (f: (b: Batch) => number) => done.reduce((n, b) => n + f(b), 0) / done.length;
    const steps = new Map<string, { n: number; before: number; trip: number }>();
    for (const b of done) {
      let t = b.begin;
      b.rts.forEach(([s, e], i) => {
        const k = i === b.rts.length - 1 ? "COMMIT" : `round trip ${i + 1}`;
        const v = steps.get(k) ?? { n: 0, before: 0, trip: 0 };
        v.n++;
        v.before += s - t;
        v.trip += e - s;
        steps.set(k, v);
        t = e;
      });
    }
    const sorted = [...done].sort((a, b) => a.begin - b.begin);
    let idle = 0;
    for (let i = 1; i < sorted.length; i++)
      idle += Math.max(0, sorted[i].begin - (sorted[i - 1].acks.at(-1) as number));
    const ms = (n: number) => `${n.toFixed(2)} ms`;
    const shapes = new Map<string, number>();
    for (const b of done) shapes.set(b.what.join(" | "), (shapes.get(b.what.join(" | ")) ?? 0) + 1);
    const lines = [
      `listener timeline: ${done.length} batches, ${mean((b) => b.rts.length).toFixed(2)} round trips and ${mean((b) => b.acks.length).toFixed(2)} ACKs a batch; first statement to COMMIT done ${ms(mean((b) => (b.end as number) - b.begin))}; COMMIT done to last ACK written ${ms(mean((b) => (b.acks.at(-1) as number) - (b.end as number)))}; last ACK of one batch to the first statement of the next (when later) ${ms(idle / Math.max(1, sorted.length - 1))}`,
      ...[...steps].map(
        ([k, v]) =>
          `  ${k} (in ${v.n} batches): listener before it ${ms(v.before / v.n)}, round trip ${ms(v.trip / v.n)}`,
      ),
      "  the commonest batches' round trips:",
      ...[...shapes]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([k, n]) => `    ${n} x ${k}`),
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
  };
}
