// nhsuk-frontend's "JavaScript is on" body classes, as its template sets them inline, from a file so the
// Content Security Policy can refuse every inline script. Loaded first in <body>, so document.body exists.
document.body.className += ` js-enabled${"noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : ""}`;
