/*
 * Page events: every graph drawn at its container's size, the dark theme, and the address bar.
 *
 * - Sizes: a graph drawn while hidden or while its container changes size keeps its old size until
 *   Plotly.Plots.resize runs. A ResizeObserver on every graph container resizes the graph whenever its
 *   container's size differs from what Plotly drew (a lesson, a link, a tab or mode switch, projector
 *   mode, a window resize).
 * - Theme: light or dark, from the system setting unless the person chose one (the header's toggle,
 *   kept in localStorage). The page's colours are CSS variables; the figures' colours (from the
 *   configuration) are set with Plotly.relayout after each drawing that does not have them yet.
 * - Legends: on a narrow graph (a phone) a legend right of the plot goes below it.
 * - Ticks: a short log axis (1024×768, projector type) shows fewer decades, never labels on labels.
 * - Grids: a figure's panels (Compare's maps, the Networks boundaries) laid out for the graph's size
 *   (assets/grid.js).
 * - Address bar: the share-link query of the current setup replaces the page's address (never a new
 *   history entry), so a reload or Back/Forward keeps the setup.
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  const STORAGE_KEY = "descent-theme";

  /* ------------------------------------------------------------------------------ sizes */

  const pending = new Set();
  let resizeFrame = null;

  function resizeNow() {
    resizeFrame = null;
    for (const gd of pending) {
      const parent = gd.parentElement;
      const box = parent && { width: parent.clientWidth, height: parent.clientHeight };
      const layout = gd._fullLayout;
      if (!box || box.width < 2 || box.height < 2 || !layout || !window.Plotly) {
        continue; // hidden: resized when it shows
      }
      // A figure with its own width or height (the run cards' small plots) keeps it.
      const wantsWidth = !gd.layout || gd.layout.width === undefined;
      const wantsHeight = !gd.layout || gd.layout.height === undefined;
      if ((wantsWidth && Math.abs(box.width - layout.width) > 1) || (wantsHeight && Math.abs(box.height - layout.height) > 1)) {
        descent.settle(window.Plotly.Plots.resize(gd));
      }
    }
    pending.clear();
  }

  const observer =
    typeof ResizeObserver === "function"
      ? new ResizeObserver((entries) => {
          for (const entry of entries) {
            const gd = entry.target.querySelector(".js-plotly-plot");
            if (gd) {
              pending.add(gd);
            }
          }
          if (resizeFrame === null && pending.size) {
            resizeFrame = requestAnimationFrame(resizeNow);
          }
        })
      : null;

  /* Observe graph containers as Dash adds them (run cards and maps add graphs later). */
  function observeGraphs(root) {
    if (!observer) {
      return;
    }
    for (const container of (root || document).querySelectorAll(".dash-graph")) {
      if (!container.descentObserved) {
        container.descentObserved = true;
        observer.observe(container);
      }
    }
  }

  /* ------------------------------------------------------------------------------ theme */

  function storedTheme() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (error) {
      return null; // storage refused (private mode): follow the system
    }
  }

  function systemTheme() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function theme() {
    const chosen = storedTheme();
    return chosen === "dark" || chosen === "light" ? chosen : systemTheme();
  }

  /* The relayout that gives figure `gd` the theme's colours, or null if it has them. */
  function themeUpdate(gd, colours) {
    const layout = gd._fullLayout;
    if (!layout) {
      return null;
    }
    const update = {};
    const want = (key, value, current) => {
      if (current !== value) {
        update[key] = value;
      }
    };
    want("font.color", colours.font, layout.font && layout.font.color);
    if (layout.plot_bgcolor !== undefined && !/^rgba\(0, 0, 0, 0\)$/.test(layout.plot_bgcolor)) {
      want("plot_bgcolor", colours.plot, layout.plot_bgcolor);
    }
    if (layout.showlegend && layout.legend) {
      want("legend.bgcolor", colours.legend, layout.legend.bgcolor);
    }
    for (const id of (layout._subplots && layout._subplots.cartesian) || []) {
      const match = /^x(\d*)y(\d*)$/.exec(id);
      if (!match) {
        continue;
      }
      for (const name of ["xaxis" + match[1], "yaxis" + match[2]]) {
        if (layout[name] && layout[name].showgrid) {
          want(name + ".gridcolor", colours.grid, layout[name].gridcolor);
        }
      }
    }
    for (const id of (layout._subplots && layout._subplots.gl3d) || []) {
      for (const axis of ["xaxis", "yaxis", "zaxis"]) {
        const full = layout[id] && layout[id][axis];
        if (full) {
          want(id + "." + axis + ".gridcolor", colours.grid3d, full.gridcolor);
          want(id + "." + axis + ".color", colours.font, full.color);
        }
      }
    }
    return Object.keys(update).length ? update : null;
  }

  /* ------------------------------------------------------------------------ legends */

  // Below this width a legend right of the plot (the loss chart's) would take most of it: the legend
  // goes under the plot in rows instead, and back to the right when the graph is wide again.
  const NARROW_LEGEND_PX = 560;
  // At the container's foot (Plotly pushes the bottom margin for it), clear of the x axis's title.
  const BELOW = {
    "legend.orientation": "h",
    "legend.x": 0,
    "legend.xanchor": "left",
    "legend.yref": "container",
    "legend.y": 0,
    "legend.yanchor": "bottom",
  };

  /* The relayout that places figure `gd`'s legend for its width, or null if it is placed. */
  function legendUpdate(gd) {
    const layout = gd._fullLayout;
    const own = gd.layout && gd.layout.legend;
    if (!layout || !layout.showlegend || !own) {
      return null;
    }
    const narrow = layout.width < NARROW_LEGEND_PX;
    const right = own.orientation !== "h" && typeof own.x === "number" && own.x >= 1;
    // On a phone a row of keys over the plot (a map's) wraps onto the figure's title: below it too.
    const over = own.orientation === "h" && typeof own.y === "number" && own.y >= 1 && own.yref !== "container";
    if (narrow && (right || (over && window.innerWidth <= descent.config().screens.phonePx))) {
      gd.descentLegend = {}; // what to give back when wide again (null: Plotly's default)
      for (const key of ["orientation", "x", "xanchor", "y", "yanchor", "yref"]) {
        gd.descentLegend["legend." + key] = own[key] === undefined ? null : own[key];
      }
      return Object.assign({}, BELOW);
    }
    if (!narrow && own.orientation === "h" && gd.descentLegend) {
      const back = gd.descentLegend;
      gd.descentLegend = null;
      return back;
    }
    return null;
  }

  /*
   * The relayout that thins a log y axis's ticks (set by the server: every dtick-th decade, or a list
   * of values) to as many labels as its height holds at its font size (a short chart, projector type),
   * or null if they fit. The figure's own ticks are kept until a new figure replaces them, so the
   * ticks come back when there is room again.
   */
  function tickUpdate(gd) {
    const axis = gd._fullLayout.yaxis;
    const own = gd.layout && gd.layout.yaxis;
    if (!axis || axis.type !== "log" || !own || (own.tickmode !== "linear" && own.tickmode !== "array")) {
      return null;
    }
    let known = gd.descentTicks;
    if (!known || known.dtick !== own.dtick || known.tickvals !== own.tickvals) {
      // A new figure (or the first drawing): its ticks are the ones to thin.
      known = gd.descentTicks = { every: 1, dtick: own.dtick, tickvals: own.tickvals, ticktext: own.ticktext };
      known.first = { dtick: own.dtick, tickvals: own.tickvals, ticktext: own.ticktext };
    }
    const first = known.first;
    const room = Math.max(2, Math.floor(axis._length / (1.7 * ((axis.tickfont && axis.tickfont.size) || 12))));
    const linear = own.tickmode === "linear" && typeof first.dtick === "number";
    const decades = Array.isArray(axis.range) ? Math.abs(axis.range[1] - axis.range[0]) : 0;
    const count = linear ? decades / first.dtick : (first.tickvals || []).length;
    const every = Math.max(1, Math.ceil(count / room));
    if (every === known.every || (!linear && !Array.isArray(first.tickvals))) {
      return null;
    }
    known.every = every;
    if (linear) {
      known.dtick = first.dtick * every;
      return { "yaxis.dtick": known.dtick };
    }
    const keep = (_, i) => i % every === 0;
    known.tickvals = first.tickvals.filter(keep);
    return { "yaxis.tickvals": known.tickvals, "yaxis.ticktext": (first.ticktext || []).filter(keep) };
  }

  function paint(gd) {
    if (!window.Plotly || !gd._fullLayout) {
      return;
    }
    const themed = themeUpdate(gd, descent.config().themes[theme()]);
    const placed = legendUpdate(gd);
    const ticks = tickUpdate(gd);
    const grid = descent.grid ? descent.grid.update(gd) : null;
    const update = themed || placed || ticks || grid ? Object.assign({}, themed, placed, ticks, grid) : null;
    if (update) {
      descent.settle(window.Plotly.relayout(gd, update));
    }
    if (descent.grid) {
      descent.grid.fit(gd);
    }
  }

  /* Every graph on the page gets the theme now, and again after each redraw without it. */
  function paintAll() {
    for (const gd of document.querySelectorAll(".js-plotly-plot")) {
      if (!gd.descentThemed && gd.on) {
        gd.descentThemed = true;
        gd.on("plotly_afterplot", () => paint(gd));
      }
      paint(gd);
    }
  }

  function applyTheme() {
    const name = theme();
    document.documentElement.dataset.theme = name;
    const button = document.getElementById(descent.config().ids.theme);
    if (button) {
      button.setAttribute("aria-pressed", String(name === "dark"));
      button.title = name === "dark" ? "Light theme" : "Dark theme";
    }
    paintAll();
  }

  descent.theme = {
    current: theme,
    /* Switch light <-> dark and remember the choice. */
    toggle: function () {
      try {
        window.localStorage.setItem(STORAGE_KEY, theme() === "dark" ? "light" : "dark");
      } catch (error) {
        // not kept across reloads, still switched below
      }
      applyTheme();
    },
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("#" + descent.config().ids.theme);
    if (button) {
      descent.theme.toggle();
    }
  });
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", applyTheme);
  }

  /* ------------------------------------------------------------------------ address bar */

  /* Keep the setup in the address: replace (never push) the query, and only with a plain link. */
  descent.keepInAddress = function (query) {
    if (typeof query !== "string" || !query.startsWith("?")) {
      return;
    }
    const classroom = document.getElementById(descent.config().ids.classroom);
    if (classroom && classroom.querySelector("input:checked")) {
      return; // a classroom link (controls hidden) is for sharing, not for this page's reload
    }
    if (window.location.search !== query) {
      window.history.replaceState(window.history.state, "", window.location.pathname + query);
    }
  };

  /* ---------------------------------------------------------------------------- wiring */

  // New graphs and redraws (Dash re-renders parts of the page): observe and theme them.
  let scan = null;
  const mutations = new MutationObserver(() => {
    if (scan === null) {
      scan = requestAnimationFrame(() => {
        scan = null;
        observeGraphs();
        paintAll();
        if (!document.documentElement.dataset.theme) {
          applyTheme();
        }
      });
    }
  });
  function start() {
    document.documentElement.dataset.theme = theme();
    mutations.observe(document.body, { childList: true, subtree: true });
  }
  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
