// The dashboard's little bit of behaviour on top of htmx: CSRF header, confirmations,
// local times, the code editor, live logs over server-sent events.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // Forms that delete or revoke ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // The pages carry no inline handlers (the Content-Security-Policy allows none); these
  // attributes stand in for them.
  // <button data-copy="id">: copies the value of the element with that id.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.value);
      button.textContent = "Copied";
    }
  });

  // <form data-announce="event">: after a successful htmx request, triggers that event on the body.
  document.addEventListener("htmx:afterRequest", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-announce");
    if (name && event.detail.successful && window.htmx) { window.htmx.trigger(document.body, name); }
  });

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date)) {
        el.title = el.getAttribute("datetime");
        el.textContent = date.toLocaleString();
      }
    });
  }

  // <pre data-follow="url">: appends each event's line; the server ends with an "end" event.
  // Log text is the script's: it goes in as text (textContent), never as HTML.
  function follow(root) {
    root.querySelectorAll("[data-follow]").forEach(function (el) {
      if (el.dataset.following) { return; }
      el.dataset.following = "1";
      var source = new EventSource(el.getAttribute("data-follow"));
      source.onmessage = function (event) {
        el.textContent += event.data + "\n";
        el.scrollTop = el.scrollHeight;
        // <el data-step-of="id">: shows the newest line as the current step of a long action
        document.querySelectorAll('[data-step-of="' + el.id + '"]').forEach(function (step) { step.textContent = event.data; });
      };
      source.addEventListener("end", function (event) {
        source.close();
        el.dataset.done = "1";
        // <el data-progress-of="id">: a progress indicator that goes once the action ended
        document.querySelectorAll('[data-progress-of="' + el.id + '"]').forEach(function (bar) { bar.remove(); });
        var status = event.data ? document.getElementById(el.getAttribute("data-status")) : null;
        if (status) { status.textContent = event.data; status.dataset.status = event.data; }
        document.body.dispatchEvent(new CustomEvent("follow-ended", { detail: { id: el.id, status: event.data } }));
      });
      source.onerror = function () {
        if (source.readyState === EventSource.CLOSED) { el.dataset.done = "1"; }
      };
    });
  }

  // The code editor: CodeMirror 5 on textareas marked data-editor, kept in sync before submits.
  function editors(root) {
    if (!window.CodeMirror) { return; }
    root.querySelectorAll("textarea[data-editor]").forEach(function (area) {
      if (area.dataset.editorReady) { return; }
      area.dataset.editorReady = "1";
      var editor = window.CodeMirror.fromTextArea(area, {
        mode: area.getAttribute("data-editor") || "javascript",
        lineNumbers: true, matchBrackets: true, autoCloseBrackets: true, indentUnit: 2, tabSize: 2,
        viewportMargin: Infinity,
        extraKeys: { "Esc": function (cm) { cm.getInputField().blur(); } }
      });
      editor.on("change", function () { editor.save(); });
      area.form && area.form.addEventListener("submit", function () { editor.save(); });
      window.oneboxEditors = window.oneboxEditors || {};
      window.oneboxEditors[area.id] = editor;
    });
  }

  function ready(root) {
    localTimes(root);
    follow(root);
    editors(root);
  }

  document.addEventListener("DOMContentLoaded", function () { ready(document); });
  document.addEventListener("htmx:afterSwap", function (event) { ready(event.target); });
  // htmx posts the textarea, which CodeMirror updates on every change.
  document.addEventListener("htmx:beforeRequest", function () {
    if (window.oneboxEditors) {
      Object.keys(window.oneboxEditors).forEach(function (id) { window.oneboxEditors[id].save(); });
    }
  });
})();
