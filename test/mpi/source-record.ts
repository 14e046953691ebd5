// The source record the MPI tests start from (Margaret Taylor, no NHS Number), with what a test changes.
import type { SourceRecordInput } from "../../src/mpi/index.ts";

export function sourceRecord(
  sourceSystem: string,
  recordId: string,
  more: Partial<SourceRecordInput> = {},
): SourceRecordInput {
  return {
    sourceSystem,
    recordId,
    nhsNumber: null,
    family: "Taylor",
    given: "Margaret",
    birthDate: "1938-04-09",
    sex: "female",
    postcode: "RM17 6VA",
    receivedAt: "2014-01-01T00:00:00Z",
    identifiers: [],
    ...more,
  };
}
