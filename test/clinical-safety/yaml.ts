// The subset of YAML the hazard log is written in, read without a dependency: block mappings and
// sequences (`key: value`, `- item`, `- key: value`), flow collections (`{ a: 1, b: "x" }`, `[a, b]`, which may
// run over several lines), plain, "double-quoted" and 'single-quoted' scalars (which may be folded over
// several more-indented lines), block scalars (`|`, `|-`, `>`, `>-`), comments, whole numbers, true, false
// and null. Anything else (anchors, tags, tabs for indentation, duplicate keys) is refused with its line.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

interface Line {
  number: number; // 1-based
  indent: number;
  text: string; // without indentation, comment or trailing space
  raw: string;
}

/** Where a `#` starts a comment: at the start, or after a space, outside a quoted scalar. */
function stripComment(text: string): string {
  let quote: string | null = null;
  let prev = " ";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = null;
      } else if (quote === '"' && c === "\\") i++;
    } else if ((c === '"' || c === "'") && /[\s:[{,-]/.test(prev) && opensScalar(text, i)) {
      quote = c;
    } else if (c === "#" && /\s/.test(prev)) {
      return text.slice(0, i).trimEnd();
    }
    prev = c;
  }
  return text.trimEnd();
}

/** A quote opens a scalar only where a value or key starts: after `: `, `- `, `[`, `{`, `,` or the start. */
function opensScalar(text: string, at: number): boolean {
  const before = text.slice(0, at).trimEnd();
  return before === "" || /(:|^-|\s-|\[|\{|,)$/.test(before);
}

function splitLines(source: string): Line[] {
  return source.split(/\r?\n/).map((raw, i) => {
    const indentText = /^[ \t]*/.exec(raw)?.[0] ?? "";
    if (indentText.includes("\t") && raw.trim() !== "") {
      throw new YamlError("indent with spaces, not tabs", i + 1);
    }
    return {
      number: i + 1,
      indent: indentText.length,
      text: stripComment(raw.slice(indentText.length)),
      raw,
    };
  });
}

const KEY =
  /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#{}[\],&*!|>%@`-][^:#]*?|-[^\s:][^:#]*?)\s*:(?:\s+|$)(.*)$/;

class Parser {
  private readonly lines: Line[];
  private pos = 0;

  constructor(source: string) {
    this.lines = splitLines(source);
  }

  parseDocument(): YamlValue {
    this.skipBlank();
    if (this.current()?.text === "---") {
      this.pos++;
      this.skipBlank();
    }
    const first = this.current();
    if (!first) return null;
    const value = this.parseBlock(first.indent);
    this.skipBlank();
    const rest = this.current();
    if (rest) throw new YamlError(`unexpected "${rest.text}" (check its indentation)`, rest.number);
    return value;
  }

  private current(): Line | undefined {
    return this.lines[this.pos];
  }

  private skipBlank(): void {
    while (this.pos < this.lines.length && this.lines[this.pos].text === "") this.pos++;
  }

  private isSequenceItem(line: Line): boolean {
    return line.text === "-" || line.text.startsWith("- ");
  }

  private parseBlock(indent: number): YamlValue {
    const line = this.current() as Line;
    if (/^[&*!]/.test(line.text))
      throw new YamlError("anchors, aliases and tags are not read here", line.number);
    return this.isSequenceItem(line) ? this.parseSequence(indent) : this.parseMapping(indent);
  }

  private parseMapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (;;) {
      this.skipBlank();
      const line = this.current();
      if (!line || line.indent < indent) return map;
      if (line.indent > indent)
        throw new YamlError(`"${line.text}" is indented more than its key`, line.number);
      if (this.isSequenceItem(line)) return map;
      const m = KEY.exec(line.text);
      if (!m) throw new YamlError(`expected "key: value", found "${line.text}"`, line.number);
      const key = unquoteKey(m[1].trim(), line.number);
      if (Object.hasOwn(map, key)) throw new YamlError(`"${key}" is given twice`, line.number);
      this.pos++;
      map[key] = this.parseValueAfterKey(m[2], indent, line, true);
    }
  }

  private parseSequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (;;) {
      this.skipBlank();
      const line = this.current();
      if (!line || line.indent < indent) return items;
      if (line.indent > indent)
        throw new YamlError(`"${line.text}" is indented more than its list`, line.number);
      if (!this.isSequenceItem(line)) return items;
      const rest = line.text === "-" ? "" : line.text.slice(2);
      const offset = line.text.length - rest.trimStart().length;
      const inner = rest.trimStart();
      if (inner !== "" && KEY.test(inner) && !/^[[{]/.test(inner)) {
        // "- key: value" opens a mapping whose keys line up with "key".
        this.lines[this.pos] = { ...line, indent: indent + offset, text: inner };
        items.push(this.parseMapping(indent + offset));
      } else {
        this.pos++;
        items.push(this.parseValueAfterKey(inner, indent, line, false));
      }
    }
  }

  /** The value after `key:` or `- ` on `line`, whose owner sits at `indent`. */
  private parseValueAfterKey(rest: string, indent: number, line: Line, isKey: boolean): YamlValue {
    const text = rest.trim();
    if (text === "") {
      this.skipBlank();
      const next = this.current();
      if (!next) return null;
      if (next.indent > indent) return this.parseBlock(next.indent);
      if (isKey && next.indent === indent && this.isSequenceItem(next)) return this.parseSequence(indent);
      return null;
    }
    if (/^[|>][+-]?$/.test(text)) return this.parseBlockScalar(text, indent);
    if (/^[&*!]/.test(text)) throw new YamlError("anchors, aliases and tags are not read here", line.number);
    if (text.startsWith("[") || text.startsWith("{")) return this.parseFlowLines(text, indent, line);
    // A scalar, perhaps folded over more-indented lines that follow.
    let joined = text;
    for (;;) {
      const next = this.current();
      if (!next || next.text === "" || next.indent <= indent) break;
      if (!isQuotedOpen(joined) && (KEY.test(next.text) || this.isSequenceItem(next))) {
        throw new YamlError(`"${next.text}" is indented under a value that is already given`, next.number);
      }
      joined += ` ${next.text}`;
      this.pos++;
    }
    return scalar(joined, line.number);
  }

  private parseFlowLines(text: string, indent: number, line: Line): YamlValue {
    let joined = text;
    while (!flowBalanced(joined)) {
      const next = this.current();
      const closes = next !== undefined && /^[\]}]/.test(next.text) && next.indent >= indent;
      if (!next || (next.text !== "" && next.indent <= indent && !closes)) {
        throw new YamlError(`"${text.slice(0, 20)}..." is not closed`, line.number);
      }
      joined += ` ${next.text}`;
      this.pos++;
    }
    const flow = new FlowParser(joined, line.number);
    const value = flow.parseValue();
    flow.expectEnd();
    return value;
  }

  private parseBlockScalar(header: string, indent: number): string {
    const body: string[] = [];
    let blockIndent = -1;
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos];
      const blank = line.raw.trim() === "";
      if (!blank && line.indent <= indent) break;
      if (!blank && blockIndent < 0) blockIndent = line.indent;
      body.push(blank ? "" : line.raw.slice(blockIndent).trimEnd());
      this.pos++;
    }
    while (body.length > 0 && body[body.length - 1] === "") body.pop();
    const text = header.startsWith("|") ? body.join("\n") : foldLines(body);
    return header.endsWith("-") ? text : `${text}\n`;
  }
}

function foldLines(lines: string[]): string {
  let out = "";
  for (const line of lines) {
    if (line === "") out += "\n";
    else out += out === "" || out.endsWith("\n") ? line : ` ${line}`;
  }
  return out;
}

function isQuotedOpen(text: string): boolean {
  const q = text[0];
  if (q !== '"' && q !== "'") return false;
  for (let i = 1; i < text.length; i++) {
    if (q === '"' && text[i] === "\\") i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return false;
    }
  }
  return true;
}

function flowBalanced(text: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
  }
  return depth <= 0 && quote === null;
}

function unquoteKey(key: string, line: number): string {
  if (key.startsWith('"')) return unquoteDouble(key, line);
  if (key.startsWith("'")) return key.slice(1, -1).replaceAll("''", "'");
  return key;
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  '"': '"',
  "\\": "\\",
  "/": "/",
  r: "\r",
  "0": "\0",
};

function unquoteDouble(text: string, line: number): string {
  let out = "";
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i];
    if (c === "\\") {
      const e = ESCAPES[text[i + 1]];
      if (e === undefined) throw new YamlError(`unknown escape "\\${text[i + 1]}"`, line);
      out += e;
      i++;
    } else out += c;
  }
  return out;
}

/** A plain or quoted scalar standing alone (after `key:` or `- `). */
function scalar(text: string, line: number): YamlValue {
  if (text.startsWith('"')) {
    if (isQuotedOpen(text) || !text.endsWith('"'))
      throw new YamlError(`${text.slice(0, 30)}... is not closed`, line);
    return unquoteDouble(text, line);
  }
  if (text.startsWith("'")) {
    if (isQuotedOpen(text) || !text.endsWith("'"))
      throw new YamlError(`${text.slice(0, 30)}... is not closed`, line);
    return text.slice(1, -1).replaceAll("''", "'");
  }
  return plain(text);
}

function plain(text: string): YamlValue {
  if (text === "null" || text === "~") return null;
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

class FlowParser {
  private i = 0;
  private readonly text: string;
  private readonly line: number;

  constructor(text: string, line: number) {
    this.text = text;
    this.line = line;
  }

  private fail(message: string): never {
    throw new YamlError(`${message} in "${this.text.slice(0, 60)}"`, this.line);
  }

  private ws(): void {
    while (/\s/.test(this.text[this.i] ?? "")) this.i++;
  }

  expectEnd(): void {
    this.ws();
    if (this.i < this.text.length) this.fail(`unexpected "${this.text.slice(this.i, this.i + 10)}"`);
  }

  parseValue(): YamlValue {
    this.ws();
    const c = this.text[this.i];
    if (c === "{") return this.parseMap();
    if (c === "[") return this.parseList();
    if (c === '"' || c === "'") return this.parseQuoted();
    return plain(this.parsePlain(/[,\]}]/));
  }

  private parseQuoted(): string {
    const q = this.text[this.i];
    const start = this.i;
    this.i++;
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (q === '"' && c === "\\") this.i += 2;
      else if (c === q && q === "'" && this.text[this.i + 1] === "'") this.i += 2;
      else if (c === q) {
        this.i++;
        const raw = this.text.slice(start, this.i);
        return q === '"' ? unquoteDouble(raw, this.line) : raw.slice(1, -1).replaceAll("''", "'");
      } else this.i++;
    }
    return this.fail("a quoted scalar is not closed");
  }

  private parsePlain(stop: RegExp): string {
    const start = this.i;
    while (this.i < this.text.length && !stop.test(this.text[this.i])) {
      this.i++;
    }
    const value = this.text.slice(start, this.i).trim();
    if (value === "") this.fail("a value is missing");
    return value;
  }

  private parseList(): YamlValue[] {
    const items: YamlValue[] = [];
    this.i++;
    this.ws();
    if (this.text[this.i] === "]") {
      this.i++;
      return items;
    }
    for (;;) {
      items.push(this.parseValue());
      this.ws();
      const c = this.text[this.i++];
      if (c === "]") return items;
      if (c !== ",") this.fail('expected "," or "]"');
      this.ws();
      if (this.text[this.i] === "]") {
        this.i++;
        return items;
      }
    }
  }

  private parseMap(): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    this.i++;
    this.ws();
    if (this.text[this.i] === "}") {
      this.i++;
      return map;
    }
    for (;;) {
      this.ws();
      const c = this.text[this.i];
      const key = c === '"' || c === "'" ? this.parseQuoted() : this.parsePlain(/[:,}]/);
      this.ws();
      if (this.text[this.i] !== ":") this.fail(`expected ":" after "${key}"`);
      this.i++;
      if (Object.hasOwn(map, key)) this.fail(`"${key}" is given twice`);
      map[key] = this.parseValue();
      this.ws();
      const end = this.text[this.i++];
      if (end === "}") return map;
      if (end !== ",") this.fail('expected "," or "}"');
      this.ws();
      if (this.text[this.i] === "}") {
        this.i++;
        return map;
      }
    }
  }
}

/** Parses one YAML document of the subset above; throws `YamlError` naming the line. */
export function parseYaml(source: string): YamlValue {
  return new Parser(source).parseDocument();
}
