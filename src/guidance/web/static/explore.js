/* The occupation and programme pages are rendered on the server in one language: switching
   language reloads them (the address already carries the new ?lang=). */
"use strict";
(function () {
  document.addEventListener("langchange", function () { window.location.reload(); });
})();
