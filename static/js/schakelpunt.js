// Small enhancements; every page works without them.
(function () {
  "use strict";

  // After a failed submit, move focus to the error summary so it is read out.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // The signal form: show the arrears or consent group only for the types
  // that use it. Hidden groups are disabled too, so they are not posted.
  function signalForm() {
    var form = document.querySelector("[data-signal-form]");
    if (!form) {
      return;
    }
    var select = form.querySelector("select[name='signal_type']");
    var groups = form.querySelectorAll("[data-show-for]");
    function update() {
      var option = select.options[select.selectedIndex];
      var chosen = option && option.value;
      groups.forEach(function (group) {
        var need = group.getAttribute("data-show-for");
        var show = !chosen || (option.dataset && option.dataset[need] === "1");
        group.hidden = !show;
        group.disabled = !show;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  // A page about background work (a bulk upload, an integrity check, a print
  // run of letters) while it runs: fetch the page again every few seconds and swap in the figures,
  // until it is done or failed. The status line is a live region that changes
  // only when the state does, so a screen reader hears each state once, not
  // every count. The refresh can be paused; without the script a link
  // refreshes by hand. The page marks its parts data-NAME-progress (with
  // data-running while it runs), data-NAME-state, data-NAME-manual,
  // data-NAME-auto, data-NAME-pause and the regions to swap.
  function refreshWhileRunning(name, regions) {
    var attr = function (part) {
      return "[data-" + name + "-" + part + "]";
    };
    var panel = document.querySelector(attr("progress") + "[data-running]");
    if (!panel || !window.fetch || !window.DOMParser) {
      return;
    }
    var manual = panel.querySelector(attr("manual"));
    var auto = panel.querySelector(attr("auto"));
    var button = panel.querySelector(attr("pause"));
    var paused = false;
    var timer = null;
    manual.hidden = true;
    auto.hidden = false;

    function schedule() {
      clearTimeout(timer);
      if (!paused) {
        timer = setTimeout(poll, 3000);
      }
    }

    function swap(selector, fresh) {
      var next = fresh.querySelector(selector);
      var current = document.querySelector(selector);
      if (next && current && current.innerHTML !== next.innerHTML) {
        current.innerHTML = next.innerHTML;
      }
    }

    function finish() {
      var hadFocus = auto.contains(document.activeElement);
      auto.remove();
      manual.remove();
      panel.removeAttribute("data-running");
      if (hadFocus) {
        document.querySelector(attr("state")).focus();
      }
    }

    function poll() {
      fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var next = fresh.querySelector(attr("progress"));
          if (!next) {
            // Logged out, or another page: stop and offer the link again.
            auto.hidden = true;
            manual.hidden = false;
            return;
          }
          var state = document.querySelector(attr("state"));
          var nextState = next.querySelector(attr("state"));
          if (nextState.textContent.trim() !== state.textContent.trim()) {
            state.innerHTML = nextState.innerHTML;
          }
          regions.forEach(function (region) {
            swap(attr(region), fresh);
          });
          if (next.hasAttribute("data-running")) {
            schedule();
          } else {
            finish();
          }
        })
        .catch(schedule);
    }

    button.addEventListener("click", function () {
      paused = !paused;
      button.textContent = paused ? button.dataset.labelResume : button.dataset.labelPause;
      if (paused) {
        clearTimeout(timer);
      } else {
        poll();
      }
    });
    schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    signalForm();
    refreshWhileRunning("bulk", ["numbers", "errors"]);
    refreshWhileRunning("verify", ["numbers"]);
    refreshWhileRunning("letters", ["numbers", "errors"]);
  });
})();
