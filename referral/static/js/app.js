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

  // The division picker: choosing a province fills its counties (grouped by city) in place; without
  // JavaScript the button beside the province reloads the form with them. Nobody types a 行政区划代码.
  Array.prototype.forEach.call(document.querySelectorAll("select[data-division-refresh]"), function (province) {
    var picker = province.closest(".division-picker");
    var button = picker.querySelector("button[name=division_refresh]");
    var county = picker.querySelector("select:not([data-division-refresh])");
    if (!button || !county || !window.fetch) { return; }
    button.hidden = true;
    province.addEventListener("change", function () {
      var first = county.options[0];
      county.innerHTML = "";
      county.appendChild(first);
      if (!province.value) { return; }
      county.setAttribute("aria-busy", "true");
      fetch(picker.getAttribute("data-lists").replace("000000", province.value))
        .then(function (r) { return r.ok ? r.json() : { groups: [] }; })
        .then(function (data) {
          data.groups.forEach(function (group) {
            var optgroup = document.createElement("optgroup");
            optgroup.label = group.label;
            group.options.forEach(function (o) { optgroup.appendChild(new Option(o.name, o.code)); });
            county.appendChild(optgroup);
          });
          county.removeAttribute("aria-busy");
        });
    });
  });
})();
