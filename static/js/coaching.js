// Coaching form: the "session observed" list only matters for an
// observation, so it is shown only then. Without JavaScript it stays visible
// and the server checks it.
(function () {
  "use strict";
  var form = document.querySelector("form.coaching-form");
  var field = document.getElementById("event-field");
  if (!form || !field) { return; }
  function update() {
    var checked = form.querySelector('input[name="mode"]:checked');
    field.hidden = !(checked && checked.value === "observation");
  }
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "mode") { update(); }
  });
  update();
})();
