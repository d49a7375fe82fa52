// Django's autocomplete fields (Select2) name neither their box nor their search field for a
// screen reader: the box is labelled by its current choice, empty at first. This gives both
// the text of the field's own label. Without the script the plain <select> keeps its label.
(function () {
  "use strict";
  function label() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var own = document.querySelector("label[for='" + select.id + "']");
      var container = select.nextElementSibling;
      if (!own || !container) { return; }
      var name = own.textContent.replace(/:\s*$/, "");
      container.querySelectorAll(".select2-selection, .select2-selection__rendered, .select2-search__field").forEach(function (el) {
        el.setAttribute("aria-label", name);
      });
    });
  }
  // After Django's own script has made the Select2 boxes: it does so when jQuery is ready, and
  // jQuery runs its ready functions in the order they were given.
  document.addEventListener("DOMContentLoaded", function () {
    var $ = window.django && window.django.jQuery;
    if (!$) { return; }
    $(function () {
      label();
      // Select2 redraws a multiple choice's search field after each choice.
      $(document).on("select2:select select2:unselect", label);
    });
  });
})();
