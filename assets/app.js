// Zona's only script of its own. Everything works without it; it adds comfort.
(function () {
  "use strict";

  // A page restored from the back/forward cache must not show an account after sign-out:
  // ask the server again, which answers with the sign-in page once the session is gone.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      window.location.reload();
    }
  });

  // The user menu is a <details> element; close it on Escape or a click elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
      if (!d.contains(e.target)) {
        d.removeAttribute("open");
      }
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") {
      return;
    }
    document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
      d.removeAttribute("open");
      d.querySelector("summary").focus();
    });
  });
})();
