// Starts the NHS.UK components on the page (the header's navigation, error summaries, details...), as
// nhsuk-frontend's documentation does inline, from a file so the Content Security Policy refuses inline scripts.
import { initAll } from "/assets/nhsuk/nhsuk-frontend.min.js";

initAll();
