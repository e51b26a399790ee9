/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  // After a failed submit, move focus to the error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // Anything that may take more than a second (uploads) shows that it is working, once, and the
  // button cannot be pressed twice.
  var status = document.createElement("p");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.className = "visually-hidden";
  document.body.appendChild(status);
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[data-busy]");
      if (!button) { return; }
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      button.textContent = button.getAttribute("data-busy");
      status.textContent = button.getAttribute("data-busy");
    });
  });

  // A background export: poll its status once a second and move the progress bar; without JavaScript
  // the page refreshes itself (a <noscript> meta refresh).
  var job = document.querySelector(".export-progress[data-status-url]");
  if (job && (job.getAttribute("data-state") === "queued" || job.getAttribute("data-state") === "running")) {
    var bar = document.getElementById("export-bar");
    var text = document.getElementById("export-text");
    var link = job.querySelector(".export-download");
    var poll = function () {
      var request = new XMLHttpRequest();  // old intranet browsers: no fetch()
      request.open("GET", job.getAttribute("data-status-url"));
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200) { setTimeout(poll, 3000); return; }
        var s = JSON.parse(request.responseText);
        bar.max = s.total || 1;
        bar.value = s.done;
        bar.textContent = s.percent + "%";
        if (s.state === "done") {
          text.textContent = job.getAttribute("data-done").replace("%n", s.total);
          if (link) { link.hidden = false; }
        } else if (s.state === "failed") {
          text.textContent = job.getAttribute("data-failed") + (s.error || "");
        } else {
          text.textContent = job.getAttribute("data-running").replace("%d", s.done).replace("%n", s.total);
          setTimeout(poll, 1000);
        }
      };
      request.onerror = function () { setTimeout(poll, 3000); };
      request.send();
    };
    setTimeout(poll, 1000);
  }
})();
