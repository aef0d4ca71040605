/*
 * Care visits: the visit form at the door, on a bad connection.
 *
 * The form works without this file (a plain POST carrying its own key, client_key). With it:
 * - every change is kept on the phone (localStorage) under a key naming the person and the
 *   form's client_key, so nothing typed is lost when the page is closed or the network drops;
 * - the form is sent with fetch; the button is disabled while it is on its way, and the server
 *   records one visit per client_key however often it arrives;
 * - when sending fails for want of a network, the entries stay, "Not sent yet — will retry" is
 *   shown, and the form is sent again when the phone is back online (or the button is pressed);
 * - the kept entries are removed only once the server has confirmed the visit;
 * - opening the form again for the same person offers to restore a visit that was not sent
 *   (with its own client_key, so a visit that did arrive is not recorded twice).
 * Photos cannot be kept on the phone: they are sent with the form when there is a connection.
 */
(function () {
  "use strict";

  var PREFIX = "linli.care.visit.";
  var RETRY_MS = 30000;

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  var store = storage();

  function keyFor(subject, clientKey) {
    return PREFIX + subject + "." + clientKey;
  }

  function read(key) {
    if (!store) {
      return null;
    }
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function write(key, value) {
    if (!store) {
      return;
    }
    try {
      store.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* storage full or refused: the form still works */
    }
  }

  function forget(key) {
    if (store) {
      store.removeItem(key);
    }
  }

  function kept(name) {
    return name && name !== "csrfmiddlewaretoken" && name !== "client_key";
  }

  function collect(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el.name) || el.type === "file" || el.type === "submit" || el.type === "button") {
        return;
      }
      if (el.type === "radio") {
        if (el.checked) {
          fields[el.name] = el.value;
        }
      } else if (el.type === "checkbox") {
        fields[el.name] = el.checked;
      } else {
        fields[el.name] = el.value;
      }
    });
    return fields;
  }

  function fill(form, fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el.name) || !(el.name in fields) || el.type === "file") {
        return;
      }
      var value = fields[el.name];
      if (el.type === "radio") {
        el.checked = el.value === value;
      } else if (el.type === "checkbox") {
        el.checked = value === true;
      } else {
        el.value = value;
      }
    });
  }

  function drafts(subject, except) {
    var found = [];
    if (!store) {
      return found;
    }
    var start = PREFIX + subject + ".";
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (key && key.indexOf(start) === 0 && key !== except) {
        var draft = read(key);
        if (draft && draft.fields) {
          found.push({ key: key, clientKey: key.slice(start.length), draft: draft });
        }
      }
    }
    found.sort(function (a, b) {
      return (b.draft.savedAt || 0) - (a.draft.savedAt || 0);
    });
    return found;
  }

  function setup(form) {
    var subject = form.getAttribute("data-subject");
    var keyInput = form.querySelector("input[name=client_key]");
    var button = form.querySelector("[data-send]");
    var status = form.querySelector("[data-send-status]");
    if (!subject || !keyInput || !button || !status || !window.fetch || !window.FormData) {
      return;
    }
    var msg = {
      sending: form.getAttribute("data-msg-sending") || "",
      offline: form.getAttribute("data-msg-offline") || "",
      failed: form.getAttribute("data-msg-failed") || "",
      login: form.getAttribute("data-msg-login") || "",
      draft: form.getAttribute("data-msg-draft") || "",
      photos: form.getAttribute("data-msg-photos") || "",
    };
    var state = { sending: false, pending: false, timer: null };

    function storageKey() {
      return keyFor(subject, keyInput.value);
    }

    function save() {
      write(storageKey(), { savedAt: Date.now(), fields: collect(form) });
    }

    function say(text, kind) {
      status.textContent = text;
      if (kind) {
        status.setAttribute("data-state", kind);
      } else {
        status.removeAttribute("data-state");
      }
    }

    function hasPhotos() {
      return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (el) {
        return el.files && el.files.length > 0;
      });
    }

    // --- needs: one slot at first, more on demand ------------------------------------------

    var slots = Array.prototype.slice.call(form.querySelectorAll("[data-need-slot]"));
    var more = form.querySelector("[data-need-more]");

    function slotUsed(slot) {
      return Array.prototype.some.call(slot.querySelectorAll("select, textarea"), function (el) {
        return el.value !== "";
      }) || slot.querySelector(".errorlist") !== null;
    }

    function showSlots() {
      var last = 0;
      slots.forEach(function (slot, index) {
        if (slotUsed(slot)) {
          last = index + 1;
        }
      });
      var shown = Math.max(1, Math.min(slots.length, last + (last > 0 ? 0 : 1)));
      slots.forEach(function (slot, index) {
        slot.hidden = index >= shown;
      });
      if (more) {
        more.hidden = shown >= slots.length;
      }
    }

    if (more && slots.length) {
      more.addEventListener("click", function () {
        var next = slots.filter(function (slot) {
          return slot.hidden;
        })[0];
        if (next) {
          next.hidden = false;
          var first = next.querySelector("select, textarea");
          if (first) {
            first.focus();
          }
        }
        more.hidden = !slots.some(function (slot) {
          return slot.hidden;
        });
      });
      showSlots();
    }

    // --- a visit not sent earlier --------------------------------------------------------------

    var banner = form.querySelector("[data-draft]");
    var earlier = drafts(subject, storageKey())[0];
    if (banner && earlier) {
      var when = new Date(earlier.draft.savedAt || Date.now());
      banner.querySelector("[data-draft-text]").textContent = msg.draft.replace(
        "{time}",
        when.toLocaleString()
      );
      banner.hidden = false;
      banner.querySelector("[data-draft-restore]").addEventListener("click", function () {
        forget(storageKey());
        keyInput.value = earlier.clientKey;
        form.setAttribute("data-key", earlier.clientKey);
        fill(form, earlier.draft.fields);
        save();
        showSlots();
        banner.hidden = true;
        say(msg.photos, "");
        button.focus();
      });
      banner.querySelector("[data-draft-discard]").addEventListener("click", function () {
        forget(earlier.key);
        banner.hidden = true;
      });
    }

    form.addEventListener("input", save);
    form.addEventListener("change", save);

    // --- sending -----------------------------------------------------------------------------

    function retryLater() {
      window.clearTimeout(state.timer);
      state.timer = window.setTimeout(function () {
        if (state.pending) {
          send();
        }
      }, RETRY_MS);
    }

    function done(sent) {
      state.sending = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
      if (!sent) {
        save();
      }
    }

    function replaceForm(html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("[data-visit-form]");
      if (!fresh) {
        return false;
      }
      var lostPhotos = hasPhotos();
      var adopted = document.importNode(fresh, true);
      form.parentNode.replaceChild(adopted, form);
      window.removeEventListener("online", onOnline);
      window.clearTimeout(state.timer);
      var next = setup(adopted);
      if (next && lostPhotos) {
        next.say(msg.photos, "");
      }
      var invalid = adopted.querySelector(".errorlist, .form-error");
      if (invalid) {
        invalid.scrollIntoView({ block: "center" });
      }
      return true;
    }

    function send() {
      if (state.sending) {
        return;
      }
      state.sending = true;
      state.pending = false;
      window.clearTimeout(state.timer);
      save();
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      say(msg.sending, "sending");
      var sentKey = storageKey();
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (response.ok && type.indexOf("application/json") === 0) {
            return response.json().then(function (body) {
              forget(sentKey);
              state.sending = false;
              say("", "");
              window.location.assign(body.url);
            });
          }
          if (response.status === 400 && type.indexOf("text/html") === 0) {
            return response.text().then(function (html) {
              done(false);
              if (!replaceForm(html)) {
                say(msg.failed, "");
              }
            });
          }
          done(false);
          var toLogin = response.redirected && /\/login/.test(response.url);
          if (toLogin || response.status === 401 || response.status === 403) {
            say(msg.login, "");
          } else {
            // The server did not answer properly: try again later (it records one visit).
            state.pending = response.status >= 500;
            say(msg.failed, "");
            if (state.pending) {
              retryLater();
            }
          }
          return null;
        })
        .catch(function () {
          done(false);
          state.pending = true;
          say(msg.offline, "");
          retryLater();
        });
    }

    function onOnline() {
      if (state.pending) {
        send();
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
    window.addEventListener("online", onOnline);

    return { say: say };
  }

  function init() {
    document.querySelectorAll("[data-visit-form]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
