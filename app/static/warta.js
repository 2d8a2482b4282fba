/* Warta's own small script: loaded on every page after htmx. No inline script anywhere (CSP). */
(function () {
  "use strict";
  // htmx requests that change state carry the CSRF token Flask-WTF expects.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.getAttribute("content"); }
  });
})();
