// The minutes of an MDT meeting as a PDF: the printable minutes page (self-contained: nothing fetched) printed
// by headless Chromium as the board report is (src/commissioning/report/pdf.ts). Shared by the web route and
// `oneplace care mdt minutes --pdf`.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printPdf } from "../commissioning/index.ts";
import { unavailable } from "../core/errors.ts";
import type { MdtMeetingView } from "../governance/index.ts";
import { createWebViews } from "./plugins/views.ts";
import { minutesContext } from "./views/mdt.context.ts";

let views: ReturnType<typeof createWebViews> | null = null;

/** The printable minutes as one HTML document. */
export function minutesHtml(view: MdtMeetingView, today: string): string {
  views ??= createWebViews();
  return views.render("mdt-minutes-print.njk", minutesContext(view, today));
}

/** The minutes printed to an A4 PDF by the Chromium at `chromium`; unavailable (with what to do) if it cannot. */
export async function minutesPdf(view: MdtMeetingView, today: string, chromium: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "oneplace-minutes-"));
  try {
    const path = join(dir, "minutes.pdf");
    try {
      await printPdf(
        minutesHtml(view, today),
        path,
        `${view.meeting.title}, ${view.meeting.heldOn} – OFFICIAL-SENSITIVE`,
        chromium,
      );
    } catch (error) {
      throw unavailable("care.mdt-pdf", "The minutes could not be printed as a PDF.", {
        hint: "Read the minutes as a page, or check the Chromium OnePlace prints with (ONEPLACE_CHROMIUM).",
        cause: error,
      });
    }
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
