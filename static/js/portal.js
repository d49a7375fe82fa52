// On a narrow screen the filters start folded unless one is in use, so the agreements come first.
(function () {
  "use strict";
  var filters = document.querySelector("details.filters");
  if (filters && !filters.hasAttribute("data-actief") &&
      window.matchMedia("(max-width: 60rem)").matches) {
    filters.open = false;
  }
})();
