// Small enhancements; every page works without them.
(function () {
  "use strict";

  // After a failed submit, move focus to the error summary so it is read out.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }

    // The signal form: show the arrears or consent group only for the types
    // that use it. Hidden groups are disabled too, so they are not posted.
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
  });
})();
