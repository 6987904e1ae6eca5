// Donor report: a print button for browsers with JavaScript.
(function () {
  var b = document.querySelector("[data-print]");
  if (!b) return;
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
})();
