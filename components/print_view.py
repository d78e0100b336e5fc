"""The app's print stylesheet: Ctrl-P prints a page's content alone, its charts at the page's width.

Hidden in print: the sidebar, the header and toolbar, every widget and button, the demo banner's
"view as" box. Plotly draws SVG without a viewBox, so CSS alone cannot shrink a chart drawn
for a wide screen onto paper: a small script in a zero-height component gives each chart's
SVG layers a viewBox of their own size (which changes nothing on screen), and the print rules
then scale the chart to the page's width.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

PRINT_CSS = """
@media print {
  @page { margin: 12mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stFormSubmitButton"],
  [data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stRadio"],
  [data-testid="stDateInput"], [data-testid="stTextInput"], [data-testid="stNumberInput"],
  [data-testid="stSlider"], [data-testid="stCheckbox"], [data-testid="stToggle"],
  [data-testid="stFileUploader"], [data-testid="stExpander"], [data-testid="stElementToolbar"],
  [data-testid="stIFrame"], iframe, .modebar-container { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"],
  .block-container { margin: 0 !important; padding: 0 !important; max-width: 100% !important; width: 100% !important; }
  [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; }
  [data-testid="stPlotlyChart"], .js-plotly-plot, .plot-container {
    width: 100% !important; max-width: 100% !important;
  }
  .js-plotly-plot .svg-container[data-print-ratio] { width: 100% !important; height: auto !important; }
  .js-plotly-plot .svg-container[data-print-ratio] > .main-svg { width: 100% !important; height: 100% !important; }
  canvas, [data-testid="stDeckGlJsonChart"] { max-width: 100% !important; }
  [data-testid="stDataFrame"], [data-testid="stTable"] { max-width: 100% !important; overflow: hidden !important; }
  [data-testid="stMetric"], [data-testid="stPlotlyChart"] { break-inside: avoid; }
}
"""

# runs in the component's iframe, which shares the app's origin, and marks up the app's charts
VIEWBOX_SCRIPT = """
<script>
(function () {
  var app = window.parent.document;
  function mark() {
    app.querySelectorAll(".js-plotly-plot .svg-container").forEach(function (box) {
      var layers = box.querySelectorAll(":scope > .main-svg");
      if (!layers.length) { return; }
      var width = layers[0].getAttribute("width"), height = layers[0].getAttribute("height");
      if (!width || !height) { return; }
      box.setAttribute("data-print-ratio", "");
      box.style.aspectRatio = width + " / " + height;
      layers.forEach(function (layer) { layer.setAttribute("viewBox", "0 0 " + width + " " + height); });
    });
  }
  var queued = false;
  function soon() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; mark(); });
  }
  mark();
  var watched = { childList: true, subtree: true, attributes: true, attributeFilter: ["width"] };
  new MutationObserver(soon).observe(app.body, watched);
})();
</script>
"""


def apply() -> None:
    """Add the print stylesheet to the page being run (app.py calls it for every page)."""
    st.html(f"<style>{PRINT_CSS}</style>")
    components.html(VIEWBOX_SCRIPT, height=0)
