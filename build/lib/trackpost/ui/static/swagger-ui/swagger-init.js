// Starts Swagger UI on /openapi.json (a file, so that the page needs no inline script).
"use strict";
window.addEventListener("load", function () {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui" });
});
