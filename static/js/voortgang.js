// Show the explanation and the new expected date only for the statuses that need them.
// Without this script both fields stay visible; their help texts say when they are required.
(function () {
  "use strict";
  var form = document.querySelector(".update-form form");
  if (!form) { return; }
  var toelichting = document.getElementById("veld-toelichting");
  var verwacht = document.getElementById("veld-verwachte_datum");
  function update() {
    var checked = form.querySelector("input[name='status']:checked");
    var status = checked ? checked.value : "";
    var hasError = function (el) { return el && el.querySelector(".errorlist"); };
    if (toelichting) {
      toelichting.hidden = !(status === "vertraagd" || status === "gestopt" || hasError(toelichting) ||
        toelichting.querySelector("textarea").value);
    }
    if (verwacht) {
      verwacht.hidden = !(status === "vertraagd" || hasError(verwacht));
    }
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "status") { update(); }
  });
  update();
})();
// After a refused submit, put keyboard focus on the summary of what to fix, so that the next
// Tab leads to the first error rather than back to the top of the page.
(function () {
  "use strict";
  var summary = document.querySelector(".foutsamenvatting");
  // After load: the browser's scroll to the #voortgang-melden fragment comes first.
  if (summary) { window.addEventListener("load", function () { summary.focus(); }); }
})();
