// The contract form: show only the chosen pricing model's fieldset. Without this script every
// fieldset shows, each labelled with its model, and the server ignores the others' fields.
(function () {
  "use strict";
  var select = document.getElementById("id_pricing_model");
  if (!select) {
    return;
  }
  var groups = document.querySelectorAll("fieldset[data-pricing-model]");
  function show() {
    groups.forEach(function (group) {
      group.hidden = group.getAttribute("data-pricing-model") !== select.value;
    });
  }
  select.addEventListener("change", show);
  show();
})();
