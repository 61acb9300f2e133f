/* Progressive enhancement for notes: hide toggles remembered in the browser,
   a warning before leaving an editor with unsaved changes, in-place preview, and
   comment forms posted in place (with htmx; the forms also work as plain forms), and
   votes and ratings sent without reloading the page.
   Every page works without this file. */
(function () {
  "use strict";

  var STORE_KEY = "papernotes:hidden";

  function hiddenSet() {
    try {
      return new Set(JSON.parse(localStorage.getItem(STORE_KEY) || "[]"));
    } catch (e) {
      return new Set();
    }
  }

  function saveHidden(set) {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(Array.from(set)));
    } catch (e) { /* storage full or disabled: the toggle still works for this page */ }
  }

  function applyHidden(button, hidden) {
    var entry = button.closest(".entry");
    if (entry) entry.classList.toggle("is-hidden", hidden);
    // The labels in the page's language: "hide" is the button's own text.
    if (!button.dataset.hideLabel) button.dataset.hideLabel = button.textContent;
    button.textContent = hidden ? button.dataset.showLabel : button.dataset.hideLabel;
    button.setAttribute("aria-expanded", hidden ? "false" : "true");
  }

  function setUpHideToggles() {
    var buttons = document.querySelectorAll(".js-hide-toggle");
    if (!buttons.length) return;
    var hidden = hiddenSet();
    buttons.forEach(function (button) {
      var id = button.dataset.note;
      button.hidden = false;
      button.setAttribute("aria-controls", "n" + id + "-body");
      applyHidden(button, hidden.has(id));
      button.addEventListener("click", function () {
        var set = hiddenSet();
        var nowHidden = !set.has(id);
        if (nowHidden) set.add(id); else set.delete(id);
        saveHidden(set);
        applyHidden(button, nowHidden);
      });
    });
    function setAll(hide) {
      var set = hiddenSet();
      buttons.forEach(function (button) {
        var id = button.dataset.note;
        if (hide) set.add(id); else set.delete(id);
        applyHidden(button, hide);
      });
      saveHidden(set);
    }
    document.querySelectorAll(".js-hide-all").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { setAll(true); });
    });
    document.querySelectorAll(".js-show-all").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { setAll(false); });
    });
  }

  function setUpUnsavedWarning() {
    document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
      var dirty = form.hasAttribute("data-dirty");
      var submitting = false;
      form.addEventListener("input", function () { dirty = true; });
      form.addEventListener("submit", function () { submitting = true; });
      window.addEventListener("beforeunload", function (event) {
        if (dirty && !submitting) {
          event.preventDefault();
          event.returnValue = "";
        }
      });
    });
  }

  function setUpPreview() {
    var button = document.querySelector(".js-preview");
    var panel = document.getElementById("preview");
    var body = document.getElementById("preview-body");
    if (!button || !panel || !body || !window.fetch) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var form = button.form;
      var data = new FormData(form);
      fetch(button.dataset.previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (!response.ok) throw new Error("preview failed");
        return response.text();
      }).then(function (html) {
        body.innerHTML = html;  // sanitised on the server by the same renderer as a save
        panel.hidden = false;
        panel.scrollIntoView({ behavior: "smooth", block: "start" });
      }).catch(function () {
        form.requestSubmit(button);  // fall back to the plain form preview
      });
    });
  }

  function setUpTagSuggestions() {
    document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      if (!list || !window.fetch) return;
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        var prefix = input.value.trim();
        if (!prefix) return;
        timer = setTimeout(function () {
          var url = input.dataset.autocomplete + "?q=" + encodeURIComponent(prefix);
          fetch(url, { credentials: "same-origin" })
            .then(function (response) { return response.ok ? response.json() : { tags: [] }; })
            .then(function (data) {
              list.textContent = "";
              data.tags.forEach(function (tag) {
                var option = document.createElement("option");
                option.value = tag.name;
                option.label = tag.name + " (" + tag.count + ")";
                list.appendChild(option);
              });
            })
            .catch(function () { /* suggestions are a convenience; typing still works */ });
        }, 150);
      });
    });
  }

  function commentErrors(form) {
    return form && form.querySelector(".js-comment-errors");
  }

  function setUpCommentForms() {
    // A refused comment (400, 429) comes back as its error messages: shown in the form,
    // whose text stays as typed. htmx swaps nothing for such answers by default.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var form = event.detail.requestConfig && event.detail.requestConfig.elt;
      var box = commentErrors(form);
      if (!box) return;
      var xhr = event.detail.xhr;
      if ((xhr.responseURL || "").indexOf("/accounts/login/") !== -1) {
        // The session ended: the answer is the login page, not a comment.
        event.detail.shouldSwap = false;
        form.dataset.keepText = "1";
        box.textContent = box.dataset.loggedOut;
        box.hidden = false;
        return;
      }
      if (xhr.status < 400) return;
      event.detail.shouldSwap = false;
      if (event.detail.xhr.status >= 500) {
        box.textContent = box.dataset.failed;
      } else {
        box.innerHTML = event.detail.serverResponse;  // escaped by the server's template
      }
      box.hidden = false;
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt;
      var box = commentErrors(form);
      if (!box || !event.detail.successful) return;
      if (form.dataset.keepText) {
        delete form.dataset.keepText;
        return;
      }
      form.reset();
      box.hidden = true;
      box.textContent = "";
      var details = form.closest("details");
      if (details) details.open = false;
    });
    document.body.addEventListener("htmx:sendError", function (event) {
      var box = commentErrors(event.detail.elt);
      if (!box) return;
      box.textContent = box.dataset.unreachable;
      box.hidden = false;
    });
  }

  /* A form marked data-inplace is sent in the background; the server answers an
     HX-Request with the fragment that replaces the form (or its data-inplace-target
     ancestor). Elements of the fragment with data-sync="key" also update their copies
     elsewhere on the page (the vote count in an entry's meta line). Anything unexpected
     falls back to sending the form the ordinary way. */
  function setUpInPlaceForms() {
    if (!window.fetch || !window.FormData) return;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-inplace")) return;
      if (form.dataset.plain === "1") return;
      event.preventDefault();
      if (form.dataset.sending === "1") return;  // one request at a time per form
      var submitter = event.submitter || null;
      var data = new FormData(form, submitter);
      // Browsers that ignore FormData's second argument leave out the pressed button.
      if (submitter && submitter.name && !data.has(submitter.name)) {
        data.append(submitter.name, submitter.value);
      }
      var target = form.closest("[data-inplace-target]") || form;
      form.dataset.sending = "1";
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "HX-Request": "true" }
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("text/html") !== 0 ||
            (!response.ok && response.status !== 400)) {
          throw new Error("not an in-place answer");
        }
        return response.text();
      }).then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();  // rendered and escaped by the server's templates
        var fresh = holder.content.firstElementChild;
        if (!fresh) throw new Error("empty answer");
        target.replaceWith(fresh);
        fresh.querySelectorAll("[data-sync]").forEach(function (source) {
          document.querySelectorAll('[data-sync="' + source.dataset.sync + '"]').forEach(function (copy) {
            if (!fresh.contains(copy)) copy.textContent = source.textContent;
          });
        });
        var focus = fresh.querySelector("button[type=submit]");
        if (focus) focus.focus();
      }).catch(function () {
        delete form.dataset.sending;
        form.dataset.plain = "1";  // the plain form still works
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCommentForms();
    setUpInPlaceForms();
    setUpTagSuggestions();
    setUpHideToggles();
    setUpUnsavedWarning();
    setUpPreview();
  });
})();
