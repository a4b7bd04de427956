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

  // With this script on, the footer's language applies as soon as it is chosen; its
  // "Cambiar" button, which the page needs without JavaScript, is hidden (app.css, .js).
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (e) {
    if (e.target.id === "lang-select") {
      e.target.form.requestSubmit();
    }
  });

  // The answer to a save carries its notice (or error summary) with autofocus, which the
  // browser honours on a page load and htmx after a swap; here the swapped notice is also
  // brought to the middle of the window, where the eye is.
  document.addEventListener("htmx:afterSettle", function (e) {
    var el = e.target;
    var notice = el.matches(".notice[autofocus]") ? el : el.querySelector(".notice[autofocus]");
    if (notice) {
      notice.focus({ preventScroll: true });
      notice.scrollIntoView({ block: "center" });
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
  // A failed htmx request swaps nothing (htmx 2 leaves 4xx and 5xx answers alone), so the
  // page's notice region (views requestNotice) says what happened: the message of Zona's
  // error page when the answer is one, else the region's own words, which are in the
  // page's language. The answer is parsed inert (DOMParser runs no script) and only its
  // text is used. The next request clears the notice; so does its close button.
  function showNotice(text) {
    var region = document.getElementById("request-notice");
    var p = document.createElement("p");
    p.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "secondary";
    close.textContent = region.dataset.close;
    close.addEventListener("click", clearNotice);
    region.replaceChildren(p, close);
  }
  function clearNotice() {
    document.getElementById("request-notice").replaceChildren();
  }
  function errorMessage(xhr) {
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var msg = doc.querySelector("[data-error-message]");
    return msg ? msg.textContent.trim() : "";
  }
  document.addEventListener("htmx:beforeRequest", clearNotice);
  document.addEventListener("htmx:responseError", function (e) {
    showNotice(errorMessage(e.detail.xhr) || document.getElementById("request-notice").dataset.failed);
  });
  document.addEventListener("htmx:sendError", function () {
    showNotice(document.getElementById("request-notice").dataset.offline);
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
