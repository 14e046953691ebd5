// Errors on the FHIR API are OperationOutcome resources with the HTTP status that goes with them. A FhirError
// carries the status, the issue type (http://hl7.org/fhir/issue-type) and a diagnostic that never names a
// person: what was wrong with the request, not what is in the record.

export type IssueType =
  | "invalid"
  | "structure"
  | "required"
  | "value"
  | "security"
  | "login"
  | "forbidden"
  | "not-found"
  | "not-supported"
  | "too-costly"
  | "expired"
  | "exception"
  | "processing"
  | "multiple-matches"
  | "informational";

export class FhirError extends Error {
  override readonly name = "FhirError";
  readonly status: number;
  readonly issue: IssueType;
  constructor(status: number, issue: IssueType, diagnostics: string) {
    super(diagnostics);
    this.status = status;
    this.issue = issue;
  }
}

export function operationOutcome(
  severity: "fatal" | "error" | "warning" | "information",
  code: IssueType,
  diagnostics: string,
): { resourceType: "OperationOutcome"; issue: { severity: string; code: string; diagnostics: string }[] } {
  return { resourceType: "OperationOutcome", issue: [{ severity, code, diagnostics }] };
}

export const badRequest = (diagnostics: string) => new FhirError(400, "invalid", diagnostics);
export const notFoundError = (diagnostics: string) => new FhirError(404, "not-found", diagnostics);
