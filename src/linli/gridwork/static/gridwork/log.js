/*
 * Grid work, the daily log form (民情日记): an entry being written is kept on the phone
 * (localStorage) with the form's own key, so nothing typed is lost where there is no signal.
 *
 * - Every change saves the draft; a fresh form (data-fresh="1") that finds a draft puts it back
 *   and says so, with a button to discard it.
 * - Sending while offline is held back, and the draft stays.
 * - The page after a successful save names the key it wrote (data-written-key): the matching
 *   draft is dropped. Sending the same key twice writes one entry, so a retry is always safe.
 *
 * The form works without this file.
 */
(function () {
  "use strict";

  var FIELDS = ["area_code", "day", "saw", "heard", "resolved", "client_key"];

  function storage() {
    try {
      var store = window.localStorage;
      store.setItem("gridwork-probe", "1");
      store.removeItem("gridwork-probe");
      return store;
    } catch (error) {
      return null;
    }
  }

  function read(store, key) {
    try {
      var value = JSON.parse(store.getItem(key) || "null");
      return value && typeof value === "object" ? value : null;
    } catch (error) {
      return null;
    }
  }

  function hasText(draft) {
    return Boolean(draft && (draft.saw || draft.heard || draft.resolved));
  }

  function setup(form, store) {
    var key = form.getAttribute("data-log-draft");
    var note = form.querySelector("[data-draft-note]");
    var discard = form.querySelector("[data-draft-discard]");
    var written = document.querySelector("[data-written-key]");
    var keyField = form.elements.namedItem("client_key");
    var freshKey = keyField ? keyField.value : "";
    var draft = read(store, key);

    function field(name) {
      return form.elements.namedItem(name);
    }

    function say(text) {
      if (note) {
        note.textContent = text;
        note.hidden = !text;
      }
    }

    function save() {
      var current = {};
      FIELDS.forEach(function (name) {
        var input = field(name);
        if (input && typeof input.value === "string") {
          current[name] = input.value;
        }
      });
      if (hasText(current)) {
        current.kept_at = new Date().toISOString();
        store.setItem(key, JSON.stringify(current));
      } else {
        store.removeItem(key);
      }
    }

    if (draft && written && written.getAttribute("data-written-key") === draft.client_key) {
      store.removeItem(key);
      draft = null;
    }

    if (hasText(draft) && form.getAttribute("data-fresh") === "1") {
      FIELDS.forEach(function (name) {
        var input = field(name);
        if (input && typeof draft[name] === "string" && draft[name] !== "") {
          input.value = draft[name];
        }
      });
      say(form.getAttribute("data-restored") || "");
      if (discard) {
        discard.hidden = false;
      }
    }

    form.addEventListener("input", save);
    form.addEventListener("change", save);

    form.addEventListener("submit", function (event) {
      save();
      if (navigator.onLine === false) {
        event.preventDefault();
        say(form.getAttribute("data-offline") || "");
      }
    });

    if (discard) {
      discard.addEventListener("click", function () {
        store.removeItem(key);
        ["saw", "heard", "resolved"].forEach(function (name) {
          var input = field(name);
          if (input) {
            input.value = "";
          }
        });
        if (keyField) {
          keyField.value = freshKey;
        }
        discard.hidden = true;
        say("");
      });
    }
  }

  var store = storage();
  if (!store) {
    return;
  }
  document.querySelectorAll("form[data-log-draft]").forEach(function (form) {
    setup(form, store);
  });
})();
