/*
 * The staff workbench of appeals: small enhancements. Every page works without this file.
 *
 * - Keys on the inbox: "/" focuses the search box; "j" and "k" move to the next and previous
 *   appeal; Enter opens it (the row's link has the focus). They never fire while typing in a
 *   field, nor with Ctrl, Alt or Meta held.
 * - "Tick all" for the bulk dispatch.
 * - Response templates: a <select> that fills its textarea (the plain list stays as a fallback).
 * - Intake: only the questions of the chosen category are shown.
 */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target || !(target instanceof Element)) {
      return false;
    }
    if (target.isContentEditable) {
      return true;
    }
    return Boolean(target.closest("input, textarea, select, [contenteditable]"));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#appeal-results tr[data-row]"));
  }

  function currentIndex(list) {
    var active = document.activeElement;
    for (var i = 0; i < list.length; i += 1) {
      if (list[i].contains(active) || list[i].classList.contains("is-current")) {
        return i;
      }
    }
    return -1;
  }

  function moveTo(list, index) {
    if (!list.length) {
      return;
    }
    var target = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) {
      row.classList.remove("is-current");
    });
    var row = list[target];
    row.classList.add("is-current");
    var link = row.querySelector("a[data-row-link]");
    if (link) {
      link.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var search = document.getElementById("f-q");
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    if (event.key !== "j" && event.key !== "k") {
      return;
    }
    var list = rows();
    if (!list.length) {
      return;
    }
    event.preventDefault();
    var index = currentIndex(list);
    if (event.key === "j") {
      moveTo(list, index < 0 ? 0 : index + 1);
    } else {
      moveTo(list, index < 0 ? 0 : index - 1);
    }
  });

  document.addEventListener("focusin", function (event) {
    var row = event.target instanceof Element ? event.target.closest("tr[data-row]") : null;
    if (!row) {
      return;
    }
    rows().forEach(function (other) {
      other.classList.toggle("is-current", other === row);
    });
  });

  // --- tick all -------------------------------------------------------------------------------

  function enhanceTickAll(root) {
    root.querySelectorAll("input[data-check-all]").forEach(function (box) {
      if (box.dataset.enhanced === "1") {
        return;
      }
      box.dataset.enhanced = "1";
      box.hidden = false;
      box.addEventListener("change", function () {
        document.querySelectorAll("#appeal-results input[name=appeals]").forEach(function (item) {
          item.checked = box.checked;
        });
      });
    });
  }

  // --- response templates -------------------------------------------------------------------

  function enhanceTemplates(root) {
    root.querySelectorAll("[data-templates]").forEach(function (wrap) {
      if (wrap.dataset.enhanced === "1") {
        return;
      }
      var picker = wrap.querySelector("[data-template-picker]");
      var select = wrap.querySelector("select[data-fill]");
      var list = wrap.querySelector("[data-template-list]");
      if (!picker || !select) {
        return;
      }
      wrap.dataset.enhanced = "1";
      picker.hidden = false;
      if (list) {
        list.hidden = true;
      }
      select.addEventListener("change", function () {
        var source = wrap.querySelector('[data-template-text="' + select.value + '"]');
        var target = document.getElementById(select.getAttribute("data-fill"));
        if (!source || !target) {
          return;
        }
        var text = source.textContent.trim();
        var current = target.value.trim();
        target.value = current ? current + "\n" + text : text;
        target.dispatchEvent(new Event("input", { bubbles: true }));
        target.focus();
      });
    });
  }

  // --- intake: the chosen category's questions ------------------------------------------------

  function enhanceQuestions(root) {
    var category = root.querySelector ? root.querySelector("#in-category") : null;
    if (!category || category.dataset.enhanced === "1") {
      return;
    }
    category.dataset.enhanced = "1";
    function show() {
      document.querySelectorAll("[data-questions-for]").forEach(function (group) {
        var mine = group.getAttribute("data-questions-for") === category.value;
        group.hidden = !mine;
        group.disabled = !mine;
      });
    }
    category.addEventListener("change", show);
    show();
  }

  function enhance(root) {
    enhanceTickAll(root);
    enhanceTemplates(root);
    enhanceQuestions(root);
  }

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
})();
