import { createRequire } from "node:module";
import { DOMParser, XMLSerializer, type Element as XmlElement } from "@xmldom/xmldom";

// FHIR R4 XML to FHIR JSON, by the rules of the R4 XML and JSON formats: a primitive's `value` attribute is its
// value (numbers and booleans typed), its `id` and extensions go to `_name`; an element that may repeat is a
// list even when it appears once (the definitions in r4-shapes.json say which, see
// scripts/fhir-xml-shapes.ts); `Extension.url` is an attribute; a resource inside `contained`, `Bundle.entry.
// resource` or similar is wrapped in an element named by its type; the narrative `div` is kept as its XHTML.
// The parser is @xmldom/xmldom: a maintained W3C DOM parser with no dependencies of its own, which keeps
// namespaces and serialises an element back to XML (the div) exactly.

const FHIR_NS = "http://hl7.org/fhir";
type Shape = { base?: string; props: Record<string, [string, 0 | 1]> };
const SHAPES = createRequire(import.meta.url)("./r4-shapes.json") as Record<string, Shape>;

export class FhirXmlError extends Error {
  override readonly name = "FhirXmlError";
}

function propOf(type: string | null, name: string): [string, 0 | 1] | null {
  for (let t = type; t; t = SHAPES[t]?.base ?? null) {
    const p = SHAPES[t]?.props[name];
    if (p) return p;
  }
  return null;
}

const children = (e: XmlElement): XmlElement[] => {
  const out: XmlElement[] = [];
  for (let n = e.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as XmlElement);
  return out;
};

function primitive(type: string, raw: string): unknown {
  if (type === "number") {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}

type Json = Record<string, unknown>;

function push(target: Json, key: string, value: unknown, repeats: boolean) {
  if (repeats || key in target) {
    const prior = target[key];
    target[key] = Array.isArray(prior) ? [...prior, value] : prior === undefined ? [value] : [prior, value];
  } else target[key] = value;
}

function resourceOf(e: XmlElement): Json {
  const type = e.localName as string;
  const out: Json = { resourceType: type };
  fill(out, e, type);
  return out;
}

/** The children of an XML element as the properties of its JSON object, the element being of `type`. */
function fill(out: Json, e: XmlElement, type: string | null) {
  const id = e.getAttribute("id");
  if (id && type !== null && !SHAPES[type]?.props.resourceType) out.id = id;
  const url = e.getAttribute("url");
  if (url) out.url = url;
  const primitives = new Map<string, { values: unknown[]; extras: (Json | null)[]; repeats: boolean }>();
  for (const c of children(e)) {
    const name = c.localName as string;
    if (name === "div" && c.namespaceURI === "http://www.w3.org/1999/xhtml") {
      out.div = new XMLSerializer().serializeToString(c);
      continue;
    }
    if (c.namespaceURI !== FHIR_NS) continue;
    const prop = propOf(type, name);
    const [childType, repeats] = prop ?? [null, 0];
    if (childType === "FhirResource") {
      const inner = children(c)[0];
      if (inner) push(out, name, resourceOf(inner), repeats === 1);
      continue;
    }
    const isPrimitive =
      childType === "string" || childType === "number" || childType === "boolean" || c.hasAttribute("value");
    if (isPrimitive) {
      const slot = primitives.get(name) ?? { values: [], extras: [], repeats: repeats === 1 };
      const value = c.getAttribute("value");
      slot.values.push(value === null ? null : primitive(childType ?? "string", value));
      const extra: Json = {};
      const pid = c.getAttribute("id");
      if (pid) extra.id = pid;
      const ext = children(c).filter((x) => x.localName === "extension");
      if (ext.length > 0)
        extra.extension = ext.map((x) => {
          const j: Json = {};
          fill(j, x, "Extension");
          return j;
        });
      slot.extras.push(Object.keys(extra).length > 0 ? extra : null);
      primitives.set(name, slot);
      continue;
    }
    const child: Json = {};
    fill(child, c, childType);
    push(out, name, child, repeats === 1);
  }
  for (const [name, slot] of primitives) {
    const many = slot.repeats || slot.values.length > 1;
    if (slot.values.some((v) => v !== null)) out[name] = many ? slot.values : slot.values[0];
    if (slot.extras.some((x) => x !== null)) out[`_${name}`] = many ? slot.extras : slot.extras[0];
  }
}

/** A FHIR XML document (a resource or a Bundle) as FHIR JSON. */
export function fhirXmlToJson(text: string): Json {
  const problems: string[] = [];
  let root: XmlElement | null;
  try {
    root = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") problems.push(String(message).split("\n")[0]);
      },
    }).parseFromString(text, "text/xml").documentElement;
  } catch (error) {
    throw new FhirXmlError(`not well-formed XML (${String((error as Error).message).split("\n")[0]})`);
  }
  if (problems.length > 0 || !root) throw new FhirXmlError(`not well-formed XML (${problems[0] ?? "empty"})`);
  if (root.namespaceURI !== FHIR_NS)
    throw new FhirXmlError(`the root element is not in the FHIR namespace (${FHIR_NS})`);
  return resourceOf(root);
}
