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
})();
