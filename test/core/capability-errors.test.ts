// Every capability's error is a OnePlaceError with a kind and a stable code, so each face maps it once; the
// fields callers already read (hint, location, problems, ackCode) survive the change.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NoPlanError, PlanFormatError } from "../../src/commissioning/index.ts";
import { ERROR_KINDS, HTTP_STATUS_OF_KIND, OnePlaceError } from "../../src/core/errors.ts";
import { GovernanceError } from "../../src/governance/index.ts";
import { AdtRejection, CsvLoadError, FhirReject, HL7_ERROR, Hl7ParseError } from "../../src/ingest/index.ts";
import { MatchInputError, MpiError } from "../../src/mpi/index.ts";
import { DrillDownUnavailable, EvaluationUnavailable, MetricComputeError } from "../../src/outcomes/index.ts";
import { CohortError, NoValidatedModelError } from "../../src/risk/index.ts";
import { DatabaseError } from "../../src/store/index.ts";
import { PlaceNotEmptyError } from "../../src/synth/index.ts";

const CODE = /^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$/;

test("each capability error is a OnePlaceError of its own name, kind and capability code", () => {
  const cases: [Error, string, string, string][] = [
    [new GovernanceError("a team needs a name"), "GovernanceError", "invalid", "governance.invalid-input"],
    [
      new GovernanceError("there is no user called x", "See 'oneplace users list'.", {
        kind: "not-found",
        code: "governance.no-user",
      }),
      "GovernanceError",
      "not-found",
      "governance.no-user",
    ],
    [
      new NoValidatedModelError("train one first"),
      "NoValidatedModelError",
      "unavailable",
      "risk.no-validated-model",
    ],
    [
      new CohortError("Cohort criteria: age must be an object"),
      "CohortError",
      "invalid",
      "risk.cohort-criteria",
    ],
    [
      new CohortError('There is no saved cohort "x"', "not-found", "risk.no-cohort"),
      "CohortError",
      "not-found",
      "risk.no-cohort",
    ],
    [new FhirReject("Patient has no identifier"), "FhirReject", "invalid", "ingest.fhir-reject"],
    [new CsvLoadError("x.csv: the file is empty"), "CsvLoadError", "invalid", "ingest.csv-load"],
    [new Hl7ParseError("does not start with an MSH"), "Hl7ParseError", "invalid", "ingest.hl7-parse"],
    [
      new AdtRejection("AR", HL7_ERROR.unsupportedMessageType, "not ADT"),
      "AdtRejection",
      "invalid",
      "ingest.adt-refused",
    ],
    [
      new AdtRejection("AE", HL7_ERROR.requiredFieldMissing, "PID-7 is required"),
      "AdtRejection",
      "invalid",
      "ingest.adt-error",
    ],
    [new DatabaseError("Cannot connect"), "DatabaseError", "unavailable", "store.database"],
    [
      new EvaluationUnavailable("no MDT reviews"),
      "EvaluationUnavailable",
      "unavailable",
      "outcomes.evaluation-unavailable",
    ],
    [
      new DrillDownUnavailable("entered: no drill-down"),
      "DrillDownUnavailable",
      "unavailable",
      "outcomes.drilldown-unavailable",
    ],
    [
      new MetricComputeError("no activity data"),
      "MetricComputeError",
      "unavailable",
      "outcomes.metric-unavailable",
    ],
    [new MpiError("No merge m", "not-found", "mpi.no-merge"), "MpiError", "not-found", "mpi.no-merge"],
    [
      new MpiError("Merge m was already undone", "conflict", "mpi.already-unmerged"),
      "MpiError",
      "conflict",
      "mpi.already-unmerged",
    ],
    [new MatchInputError("no date of birth"), "MatchInputError", "invalid", "mpi.match-input"],
    [
      new PlaceNotEmptyError("already holds people"),
      "PlaceNotEmptyError",
      "conflict",
      "synth.place-not-empty",
    ],
    [
      new NoPlanError("No BCF plan has been imported yet."),
      "NoPlanError",
      "not-found",
      "commissioning.no-plan",
    ],
    [
      new NoPlanError("Several plans are stored: name one.", "invalid"),
      "NoPlanError",
      "invalid",
      "commissioning.plan-ambiguous",
    ],
    [
      new PlanFormatError(["plan: title is required"]),
      "PlanFormatError",
      "invalid",
      "commissioning.plan-format",
    ],
  ];
  for (const [error, name, kind, code] of cases) {
    assert.ok(error instanceof OnePlaceError, name);
    assert.equal(error.name, name);
    assert.equal(error.kind, kind, name);
    assert.equal(error.code, code, name);
    assert.match(error.code, CODE);
    assert.ok(ERROR_KINDS.includes(error.kind));
    assert.ok(HTTP_STATUS_OF_KIND[error.kind] >= 400);
  }
});

test("the fields callers read are kept: hints, causes, HL7 locations, acknowledgement codes, plan problems", () => {
  const cause = new Error("ECONNREFUSED");
  const db = new DatabaseError("Cannot connect", "Check DATABASE_URL", { cause, code: "store.connect" });
  assert.equal(db.hint, "Check DATABASE_URL");
  assert.equal(db.cause, cause);
  assert.equal(db.code, "store.connect");

  assert.equal(new GovernanceError("bad key", "Check the key file.").hint, "Check the key file.");

  const location = { segment: "PID", sequence: 1, field: 7 };
  assert.deepEqual(new Hl7ParseError("bad PID", location).location, location);

  const adt = new AdtRejection("AE", HL7_ERROR.requiredFieldMissing, "PID-7 is required", location);
  assert.equal(adt.ackCode, "AE");
  assert.deepEqual(adt.error, {
    condition: HL7_ERROR.requiredFieldMissing,
    message: "PID-7 is required",
    location,
  });

  const plan = new PlanFormatError(["a", "b"]);
  assert.deepEqual(plan.problems, ["a", "b"]);
  assert.match(plan.message, /2 problem\(s\)\n {2}- a\n {2}- b/);
});
