/*
 * Linli site shell: small progressive enhancements. Every page works without this file.
 *
 * - The language <select> in the header submits on change; its button is hidden.
 * - Forms (or submit buttons) with data-confirm="…" ask before submitting.
 * - Wide tables that scroll sideways become keyboard-focusable, so they can be scrolled
 *   without a mouse.
 */
(function () {
  "use strict";

  function enhanceLanguageForms(root) {
    root.querySelectorAll("form.lang-form").forEach(function (form) {
      if (form.dataset.enhanced === "1") {
        return;
      }
      var select = form.querySelector("select");
      if (!select) {
        return;
      }
      form.dataset.enhanced = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.hidden = true;
      });
      select.addEventListener("change", function () {
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else {
          form.submit();
        }
      });
    });
  }

  function enhanceScrollingTables(root) {
    root.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!wrap.hasAttribute("tabindex")) {
          wrap.setAttribute("tabindex", "0");
        }
        if (!wrap.hasAttribute("role")) {
          wrap.setAttribute("role", "region");
        }
        if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
          var caption = wrap.querySelector("caption");
          var label = caption ? caption.textContent.trim() : "";
          if (!label) {
            var heading = document.querySelector("main h1");
            label = heading ? heading.textContent.trim() : document.title;
          }
          wrap.setAttribute("aria-label", label);
        }
      }
    });
  }

  function enhance(root) {
    enhanceLanguageForms(root);
    enhanceScrollingTables(root);
  }

  // Confirmation before a destructive submit, for plain and htmx forms alike (capture phase,
  // so a refusal stops the event before htmx or the browser acts on it).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) {
        return;
      }
      var submitter = event.submitter;
      var message =
        (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail && event.detail.elt ? event.detail.elt : document);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      enhance(document);
    });
  } else {
    enhance(document);
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      enhanceScrollingTables(document);
    }, 200);
  });

  // A form marked data-submit-once (an import confirmation, say) is sent once: a second click
  // while the first is on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });
})();
