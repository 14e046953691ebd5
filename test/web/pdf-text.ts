// The text of a PDF that Chromium printed, well enough for a test to check what it holds: each Flate stream is
// inflated, the fonts' ToUnicode maps (bfchar and bfrange) are read, and the glyph strings the content streams
// show (Tj, TJ) are mapped back to characters, one line per text object. Not a general PDF reader.
import { inflateSync } from "node:zlib";

function streams(pdf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const latin = pdf.toString("latin1");
  const re = /<<((?:(?!>>\s*stream)[\s\S])*?)>>\s*stream\r?\n/g;
  for (let m = re.exec(latin); m; m = re.exec(latin)) {
    const start = m.index + m[0].length;
    const end = latin.indexOf("endstream", start);
    if (end < 0) break;
    const raw = pdf.subarray(start, end);
    if (/\/FlateDecode/.test(m[1])) {
      try {
        out.push(inflateSync(raw));
      } catch {
        // A stream that is not whole Flate data (an image, say): not text.
      }
    } else out.push(raw);
    re.lastIndex = end;
  }
  return out;
}

const utf16 = (hex: string) => {
  let s = "";
  for (let i = 0; i + 4 <= hex.length; i += 4)
    s += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16));
  return s;
};

function toUnicode(texts: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const t of texts) {
    for (const block of t.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const [, from, to] of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
        map.set(from.toUpperCase(), utf16(to));
      }
    }
    for (const block of t.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const [, lo, hi, to] of block[1].matchAll(
        /<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g,
      )) {
        const width = lo.length;
        const first = Number.parseInt(to, 16);
        for (let g = Number.parseInt(lo, 16), i = 0; g <= Number.parseInt(hi, 16); g++, i++) {
          map.set(g.toString(16).toUpperCase().padStart(width, "0"), String.fromCharCode(first + i));
        }
      }
    }
  }
  return map;
}

export function pdfText(pdf: Buffer): string {
  const texts = streams(pdf).map((s) => s.toString("latin1"));
  const map = toUnicode(texts);
  const width = [...map.keys()][0]?.length ?? 4;
  const glyphs = (hex: string) => {
    let s = "";
    for (let i = 0; i + width <= hex.length; i += width)
      s += map.get(hex.slice(i, i + width).toUpperCase()) ?? "";
    return s;
  };
  const lines: string[] = [];
  for (const t of texts) {
    for (const block of t.matchAll(/BT([\s\S]*?)ET/g)) {
      let line = "";
      for (const op of block[1].matchAll(/\[((?:[^\]])*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj/g)) {
        if (op[2] !== undefined) line += glyphs(op[2]);
        else {
          for (const part of op[1].matchAll(/<([0-9A-Fa-f]*)>|(-?\d+(?:\.\d+)?)/g)) {
            if (part[1] !== undefined) line += glyphs(part[1]);
            else if (Number(part[2]) < -200) line += " ";
          }
        }
      }
      lines.push(line);
    }
  }
  return lines.join("\n");
}
