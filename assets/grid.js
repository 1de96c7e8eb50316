/*
 * A figure's panels laid out for their graph's size: Compare's maps, the Networks view's decision
 * boundaries and fitted curves. The figure carries its grid's rules in layout.meta.grid
 * (app/figures_common.py panel_grid); here, after each drawing (assets/page.js):
 *
 * - update(gd): the relayout that puts the panels in as many columns as keep each wide enough (a
 *   phone gets two, not four of 80 px), rows sharing the height, each title just above its panel
 *   (and, if the grid gives a title size, no wider than its column: smaller type if need be), or
 *   null if they are laid out so;
 * - fit(gd): the height the panels need at the graph's width (they are square-ish and width-bound),
 *   set as the CSS variable --grid-height on the view around the graph, which assets/style.css lets
 *   it take: no empty band above and below the maps, the loss chart gets the rest.
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  const CLOSE = 1e-4; // paper fractions: closer than this is laid out already

  function axis(letter, i) {
    return letter + "axis" + (i === 0 ? "" : i + 1);
  }

  /* The grid for gd's current size: columns, rows and sizes in px, or null (no grid, not drawn, no
     fixed aspect nor ranges to size the panels by, or a graph smaller than its margins). */
  function plan(gd) {
    const spec = gd.layout && gd.layout.meta && gd.layout.meta.grid;
    const layout = gd._fullLayout;
    if (!spec || !spec.count || !layout || !layout.margin || gd.offsetParent === null) {
      return null;
    }
    // titles measured as drawn (projector type makes them taller): the top margin and the rows' gaps
    // hold the tallest, with spec.tickRoom for a row's x tick labels under it. The rows are planned
    // for the top margin this relayout sets, not the one drawn: one relayout, not two
    const drawn = spec.tickRoom ? tallestTitle(gd, spec.count) : 0;
    const gap = drawn ? Math.max(spec.rowGap, drawn + spec.titlePad + spec.tickRoom) : spec.rowGap;
    const wanted = drawn ? Math.ceil(drawn + spec.titlePad + 6) : layout.margin.t;
    const top = Math.abs(wanted - layout.margin.t) > 2 ? wanted : layout.margin.t; // as update() sets it
    const width = layout.width - layout.margin.l - layout.margin.r;
    const height = layout.height - top - layout.margin.b;
    let columns = Math.min(spec.count, spec.maxColumns);
    while (columns > 1 && (width - (columns - 1) * spec.gap) / columns < spec.minPanel) {
      columns -= 1;
    }
    const rows = Math.ceil(spec.count / columns);
    const panel = (width - (columns - 1) * spec.gap) / columns;
    // each panel keeps the map's aspect (square data units), or the one the figure asks for
    const tall = panel * (spec.aspect || rangeRatio(gd.layout.xaxis, gd.layout.yaxis));
    if (!Number.isFinite(tall) || !(width > 0) || !(height > 0)) {
      return null; // no aspect and no fixed ranges, or a graph too small to hold its margins
    }
    return {
      spec: spec,
      columns: columns,
      width: width,
      height: height,
      panel: panel,
      rowGap: gap,
      top: top,
      row: Math.max(1, (height - (rows - 1) * gap) / rows),
      need: top + layout.margin.b + rows * tall + (rows - 1) * gap,
    };
  }

  /* The y range's length over the x range's (NaN without fixed ranges). */
  function rangeRatio(xaxis, yaxis) {
    const x = xaxis && xaxis.range;
    const y = yaxis && yaxis.range;
    return x && y ? Math.abs((y[1] - y[0]) / (x[1] - x[0])) : NaN;
  }

  /* The domain asked for: Plotly writes a constrained axis' drawn domain into gd.layout and keeps
   * the asked one aside. */
  function askedDomain(gd, name) {
    const full = gd._fullLayout[name];
    const own = gd.layout[name];
    return (full && full._inputDomain) || (own && own.domain);
  }

  /* The drawn height of the tallest of the first `count` annotations (the panels' titles), px. */
  function tallestTitle(gd, count) {
    let tallest = 0;
    for (const note of gd.querySelectorAll(".infolayer .annotation")) {
      if (Number(note.getAttribute("data-index")) < count) {
        tallest = Math.max(tallest, note.getBoundingClientRect().height);
      }
    }
    return tallest;
  }

  /* Each title's drawn width at the grid's title size (px), by panel. */
  function titleWidths(gd, spec) {
    const widths = [];
    for (const note of gd.querySelectorAll(".infolayer .annotation")) {
      const i = Number(note.getAttribute("data-index"));
      const own = gd.layout.annotations && gd.layout.annotations[i];
      const size = (own && own.font && own.font.size) || spec.title;
      widths[i] = (note.getBoundingClientRect().width * spec.title) / size;
    }
    return widths;
  }

  function update(gd) {
    const grid = plan(gd);
    if (!grid) {
      return null;
    }
    const spec = grid.spec;
    const changes = {};
    const want = (key, value, current) => {
      const same = Array.isArray(value)
        ? Array.isArray(current) && value.every((v, k) => Math.abs(v - current[k]) < CLOSE)
        : typeof value === "number"
          ? typeof current === "number" && Math.abs(value - current) < CLOSE
          : value === current;
      if (!same) {
        changes[key] = value;
      }
    };
    const widths = spec.title ? titleWidths(gd, spec) : [];
    const room = grid.panel + spec.gap - 6;
    const notes = gd.layout.annotations || [];
    for (let i = 0; i < spec.count; i += 1) {
      const row = Math.floor(i / grid.columns);
      const left = ((i % grid.columns) * (grid.panel + spec.gap)) / grid.width;
      const right = Math.min(1, left + grid.panel / grid.width);
      const top = Math.max(0, 1 - (row * (grid.row + grid.rowGap)) / grid.height);
      const bottom = Math.max(0, top - grid.row / grid.height);
      want(axis("x", i) + ".domain", [left, right], askedDomain(gd, axis("x", i)));
      want(axis("y", i) + ".domain", [bottom, top], askedDomain(gd, axis("y", i)));
      if (notes[i]) {
        want("annotations[" + i + "].x", (left + right) / 2, notes[i].x);
        want("annotations[" + i + "].y", top + spec.titlePad / grid.height, notes[i].y);
        if (widths[i]) {
          const fitted = Math.floor((spec.title * room) / widths[i]);
          const size = Math.max(spec.minTitle ?? spec.title, Math.min(spec.title, fitted));
          want("annotations[" + i + "].font.size", size, notes[i].font && notes[i].font.size);
        }
      }
    }
    if (grid.top !== gd._fullLayout.margin.t) {
      changes["margin.t"] = grid.top;
    }
    return Object.keys(changes).length ? changes : null;
  }

  function fit(gd) {
    const container = gd.parentElement;
    const view = container && container.parentElement;
    if (!view) {
      return;
    }
    if (!(gd.layout && gd.layout.meta && gd.layout.meta.grid)) {
      // a figure without a grid in the same place (a recommender's after a classifier's): its own height
      if (view.style.getPropertyValue("--grid-height")) {
        view.style.removeProperty("--grid-height");
      }
      return;
    }
    const grid = plan(gd);
    if (!grid) {
      return;
    }
    const frame = view.offsetHeight - container.clientHeight; // the container's border
    const height = Math.ceil(grid.need + frame) + "px";
    if (view.style.getPropertyValue("--grid-height") !== height) {
      view.style.setProperty("--grid-height", height);
    }
  }

  descent.grid = { update: update, fit: fit };
})();
