import { openDb } from "../../src/store/open.ts";
import { boardData } from "../../src/commissioning/report/board-data.ts";
const db = await openDb({ home: process.argv[2] ?? "/tmp/oc-small", databaseUrl: process.env.DATABASE_URL });
const tx0 = db.transaction.bind(db);
(db as any).transaction = (fn: any) => tx0(async (tx: any) => { const q = tx.query.bind(tx); tx.query = async (sql: string, p: any) => { const t = performance.now(); const r = await q(sql, p); const s = (performance.now()-t)/1000; if (s > 0.15) console.log(s.toFixed(2), sql.replace(/\s+/g, " ").slice(0, 200)); return r; }; const e = tx.exec.bind(tx); tx.exec = async (sql: string) => { const t = performance.now(); await e(sql); const s=(performance.now()-t)/1000; if (s>0.15) console.log(s.toFixed(2), sql.replace(/\s+/g," ").slice(0,100)); }; return fn(tx); });
const t = performance.now();
await boardData(db, { quarter: "2015-Q3" });
console.log("total", ((performance.now()-t)/1000).toFixed(2));
await db.close();
