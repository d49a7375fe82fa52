// The agreement form in the admin: the theme list offers only the themes of the trajectory
// chosen above it, as soon as it is chosen. Without this script the list shows every
// trajectory's themes, grouped by trajectory, and the server refuses a theme of another one.
(function () {
  "use strict";
  function init() {
    var traject = document.getElementById("id_traject");
    var thema = document.getElementById("id_thema");
    if (!traject || !thema) { return; }
    // Every theme the page came with, each marked with its trajectory (afspraken/admin.py).
    var themas = Array.prototype.slice.call(thema.querySelectorAll("option[data-traject]"));
    var empty = thema.querySelector("option[value='']");
    var emptyLabel = empty ? empty.textContent : "";
    function offer() {
      var chosen = traject.value;
      var current = thema.value;
      var own = themas.filter(function (option) { return option.dataset.traject === chosen; });
      thema.replaceChildren.apply(thema, (empty ? [empty] : []).concat(own));
      thema.value = own.some(function (option) { return option.value === current; }) ? current : "";
      if (empty) { empty.textContent = chosen ? emptyLabel : "Kies eerst een traject"; }
    }
    offer();
    // The trajectory is an autocomplete: Select2 announces a choice as a jQuery event, which a
    // plain listener does not hear; a jQuery listener hears that and a native change alike.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(traject).on("change", offer);
    } else {
      traject.addEventListener("change", offer);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
