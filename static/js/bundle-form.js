// The evidence-bundle request form: show only the fieldset of the chosen scope.
// Without this script every scope's fieldset shows under a legend naming its scope, and the
// server reads only the chosen scope's fields; the script only hides the others (the hidden
// attribute), following each radio's aria-controls. A static file: the Content Security Policy
// allows no inline script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-bundle-form]");
  if (!form) {
    return;
  }
  var radios = Array.prototype.slice.call(
    form.querySelectorAll('input[type="radio"][aria-controls]')
  );

  function show() {
    radios.forEach(function (radio) {
      var fieldset = document.getElementById(radio.getAttribute("aria-controls"));
      if (fieldset) {
        fieldset.hidden = !radio.checked;
      }
    });
  }

  radios.forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-bundle-form-hint]"), function (hint) {
    hint.hidden = true;
  });
  show();
})();
