// Miniplat web pages: small enhancements on top of plain HTML forms, which all work without
// this script. Served from /assets/console.js; the CSP forbids inline scripts.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  // htmx requests carry the session's CSRF token as a header (forms also carry the field).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // Answers with status 422 carry a fragment with the error shown in place: swap them.
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
  }

  // Any other failed htmx request: say so instead of failing silently.
  document.addEventListener("htmx:responseError", function () {
    window.alert("That did not work. Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    window.alert("The server could not be reached. Check your connection and try again.");
  });

  // Plain forms with data-confirm ask before submitting (htmx forms use hx-confirm).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // Copy buttons for AppIDs, secrets and keys (hidden until this script shows them).
  function enableCopyButtons(root) {
    if (!navigator.clipboard) {
      return;
    }
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () {
        button.textContent = label;
      }, 1500);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    enableCopyButtons(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enableCopyButtons(event.target);
  });
})();
