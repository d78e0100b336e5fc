// Draws each chart from the JSON beside it. Without JavaScript the page still holds every number:
// the sentence above each chart and the table of its values below.
(function () {
  "use strict";
  // printing opens the collapsed tables, so that paper holds every value too
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (node) { node.open = true; });
  });
  if (!window.Plotly) { return; }
  var locale = document.getElementById("plotly-locale");
  if (locale) { Plotly.register(JSON.parse(locale.textContent)); }
  var specs = document.querySelectorAll('script[type="application/json"][data-chart]');
  Array.prototype.forEach.call(specs, function (node) {
    var target = document.getElementById(node.getAttribute("data-chart"));
    var spec = JSON.parse(node.textContent);
    target.classList.add("drawn");
    Plotly.newPlot(target, spec.data, spec.layout, spec.config);
  });
})();
