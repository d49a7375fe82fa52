// While a background job runs, fetch its page every two seconds and show its new state, until
// it is done. Without this script the page has a link to refresh it by hand.
(function () {
  "use strict";
  var status = document.getElementById("opdracht-status");
  if (!status || status.dataset.actief !== "ja") { return; }
  var failures = 0;
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("opdracht-status");
        if (!fresh) { throw new Error("geen status"); }
        failures = 0;
        if (fresh.innerHTML !== status.innerHTML) { status.innerHTML = fresh.innerHTML; }
        status.dataset.actief = fresh.dataset.actief;
        if (fresh.dataset.actief === "ja") { window.setTimeout(poll, 2000); }
      })
      .catch(function () {
        // A lost connection or an expired session: try a few more times, then leave the link.
        failures += 1;
        if (failures < 5) { window.setTimeout(poll, 5000); }
      });
  }
  window.setTimeout(poll, 2000);
})();
