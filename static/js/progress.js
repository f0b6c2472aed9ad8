// Live progress of long work (inventory runs, spend imports, evidence bundles).
//
// The page already shows a <progress> and its text as they were when it was rendered; for every
// element with data-progress-url this script asks that URL (JSON, see config/progress.py) every
// 2 seconds and refreshes both, until the work is done. Then it announces the outcome once to
// assistive technology and, with data-progress-reload, reloads the page to show what the work
// produced. It waits while the tab is hidden and gives up after a few failed requests (signed
// out, no network): the page then stays as it is, as without the script. A static file: the
// Content Security Policy allows no inline script.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var MAX_FAILURES = 5;

  function follow(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var announce = box.querySelector("[data-progress-announce]");
    var failures = 0;

    function show(data) {
      if (bar) {
        bar.max = Math.max(data.max || 0, 1);
        bar.value = Math.min(data.value || 0, bar.max);
        bar.textContent = data.percent + " %";
      }
      if (text) {
        text.textContent = data.text;
      }
      box.setAttribute("data-progress-status", data.status);
    }

    function finish(data) {
      box.setAttribute("data-progress-done", "true");
      if (announce) {
        announce.textContent = data.status_label + ": " + data.text;
      }
      if (box.hasAttribute("data-progress-reload")) {
        window.location.reload();
      }
    }

    function later() {
      window.setTimeout(poll, POLL_MS);
    }

    function poll() {
      if (document.hidden) {
        later();
        return;
      }
      window
        .fetch(url, {
          credentials: "same-origin",
          cache: "no-store",
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          show(data);
          if (data.done) {
            finish(data);
          } else {
            later();
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < MAX_FAILURES) {
            later();
          }
        });
    }

    if (url && box.getAttribute("data-progress-done") !== "true") {
      later();
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-progress-url]"), follow);
})();
