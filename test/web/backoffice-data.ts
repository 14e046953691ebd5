// The back office's test data: Margaret Taylor at the GP and a social care record of hers that waits for
// review; Albert and Bert Mercer, two people a reviewer may merge; two rejects (HL7 and CSV).

import { applyHl7Batch } from "../../src/ingest/index.ts";
import { resolveRecords } from "../../src/mpi/index.ts";
import type { Db } from "../../src/platform/index.ts";
import { sourceRecord } from "../mpi/source-record.ts";

export const HL7_REJECT = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a";
export const CSV_REJECT = "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b";
/** The message held by a deletion (A29). */
export const HELD_CONTROL_ID = "D-3";

export async function personOf(db: Db, system: string, id: string): Promise<string> {
  const rows = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
    [system, id],
  );
  return rows[0].person_id;
}

/** The records and rejects the back-office tests work on. */
export async function prepareBackoffice(db: Db): Promise<void> {
  await db.transaction((tx) => resolveRecords(tx, [sourceRecord("gp", "g1", { nhsNumber: "9434765919" })]));
  await db.transaction((tx) =>
    resolveRecords(tx, [
      sourceRecord("social-care", "s3", { given: "Marjorie", birthDate: "1938-09-04", postcode: null }),
    ]),
  );
  await db.transaction((tx) =>
    resolveRecords(tx, [
      sourceRecord("gp", "g7", {
        nhsNumber: "9434765870",
        given: "Albert",
        family: "Mercer",
        sex: "male",
        birthDate: "1941-02-03",
        postcode: "RM16 2AB",
      }),
      sourceRecord("acute-pas", "h7", {
        nhsNumber: "9434765889",
        given: "Bert",
        family: "Mercer",
        sex: "male",
        birthDate: "1941-02-03",
        postcode: "RM16 2AB",
      }),
    ]),
  );
  // A patient's admission, their source's deletion of the record (A29), then an admission sent before it and
  // delivered after: held, for feed health to list.
  const adt = (control: string, event: string, at: string, segments: string[]) =>
    [
      `MSH|^~\\&|WARD-PAS|ZZA01|ONEPLACE|ZZ000|${at}||ADT^${event}|${control}|P|2.4`,
      `EVN|${event}|${at}||||${at}`,
      "PID|1||D1^^^ZZA01^MR||Fictional^Ann||19400101|F",
      ...segments,
    ].join("\r");
  const admission = (control: string, visit: string, at: string) => {
    const pv1 = ["PV1", "1", "I", "WARDD^^^ZZA01", "21"];
    pv1[10] = "300";
    pv1[19] = visit;
    pv1[44] = at;
    return adt(control, "A01", at, [Array.from(pv1, (f) => f ?? "").join("|")]);
  };
  const ctx = { origin: "backoffice-test", merges: "apply" as const };
  await applyHl7Batch(db, [
    { raw: admission("D-1", "VD1", "20160330100000+0100"), ctx },
    { raw: adt("D-2", "A29", "20160331100000+0100", ["PV1|1|N"]), ctx },
  ]);
  await applyHl7Batch(db, [{ raw: admission(HELD_CONTROL_ID, "VD2", "20160330120000+0100"), ctx }]);
  await db.query(
    `INSERT INTO ingest_reject (reject_id, source_system, format, layout, origin, origin_key, location, reason, payload)
     VALUES ($1, 'acute-pas', 'hl7', NULL, 'mllp', 'ZZA01:MSG42', 'message MSG42', 'MSH-9: message type missing',
             'MSH|^~\\&|PAS|ZZA01|ONEPLACE|ZZ000|20160331110000||||MSG42|P|2.4' || chr(13) || 'PID|||H9^^^ZZA01^MR||Secretname^Ann'),
            ($2, 'social-care', 'csv', 'sc-services', 'services.csv', 'services.csv:12', 'line 12',
             'column service_type: not a known service type', 'SC-1,XX,2016-03-01,,council')`,
    [HL7_REJECT, CSV_REJECT],
  );
}
