/*
 * Descent's browser namespace, `window.descent`, and the page's configuration: ids, fonts, colours and
 * the player's limits, rendered by the server from its Python constants (app/client_config.py) into
 * <script id="descent-config" type="application/json">, read once when first needed.
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  let cached = null;

  descent.config = function () {
    if (cached === null) {
      const element = document.getElementById("descent-config");
      cached = element ? JSON.parse(element.textContent) : null;
      if (cached === null) {
        throw new Error("descent: the page has no #descent-config");
      }
    }
    return cached;
  };

  /* The Plotly graph div inside the dcc.Graph of figure `name` (a key of config().graphs), or null. */
  descent.graph = function (name) {
    const id = descent.config().graphs[name];
    const outer = id && document.getElementById(id);
    return outer ? outer.querySelector(".js-plotly-plot") : null;
  };

  descent.clamp = function (value, lo, hi) {
    return Math.min(Math.max(value, lo), hi);
  };

  /* A newer draw interrupts an unfinished one: Plotly then rejects the older promise, as designed. */
  descent.settle = function (promise) {
    if (promise && typeof promise.catch === "function") {
      promise.catch(() => undefined);
    }
  };
})();
