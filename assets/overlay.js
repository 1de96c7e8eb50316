/*
 * The moving parts of a 2D view (each run's ball and its path so far, the loss cursor, the step
 * inspector's arrows), drawn in a light SVG layer of their own over the Plotly axes. Plotly draws the
 * static parts (the map, the whole faint "ghost" paths, the loss lines) once; a frame here moves a few
 * SVG attributes and never goes through Plotly or Dash.
 *
 * Points are mapped with the axes' own scales (axis._offset + l2p(d2l(v))) and mapped again after
 * every Plotly redraw (plotly_afterplot: resize, zoom / pan, projector fonts, new runs), so the layer
 * stays exact. A path is drawn whole once and revealed up to the current step with a dash as long as
 * its pixel length so far: no per-frame rebuilding of the path.
 *
 * The styles come from the figure itself: the server sends each run's "path" and "ball" traces empty,
 * with their line and marker (app/figures.py), and this layer draws them with that style.
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  const SVG = "http://www.w3.org/2000/svg";
  let serial = 0;

  function element(kind, attributes, parent) {
    const node = document.createElementNS(SVG, kind);
    for (const [key, value] of Object.entries(attributes || {})) {
      node.setAttribute(key, String(value));
    }
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function axisOf(layout, letter, id) {
    return layout[letter + "axis" + (id && id.length > 1 ? id.slice(1) : "")];
  }

  function pixel(axis, value) {
    if (typeof value !== "number" || !isFinite(value)) {
      return NaN;
    }
    const p = axis._offset + axis.l2p(axis.d2l(value));
    return isFinite(p) ? p : NaN;
  }

  /* A dash pattern in Plotly's words ("dot", "dash", …) as SVG's, for a line of `width` px. */
  function dashArray(dash, width) {
    const w = Math.max(width, 3);
    const styles = { dot: [w, w], dash: [3 * w, 3 * w], longdash: [5 * w, 5 * w], dashdot: [3 * w, w, w, w] };
    return (styles[dash] || []).join(",");
  }

  /*
   * One run on one view: its ghost's points (data and pixels), the cumulative pixel length along
   * them, its path element (or none) and its ball element. Points after the first missing one (a
   * run that diverged) are not drawn: the ball stays on the last point it reached.
   */
  function buildRun(gd, svg, clipId, [ghostIndex, pathIndex, ballIndex]) {
    const ghost = gd.data[ghostIndex];
    const full = gd._fullData[ghostIndex];
    if (!ghost || !full || !Array.isArray(ghost.x) || ghost.x.length === 0) {
      return null;
    }
    const layout = gd._fullLayout;
    const xa = axisOf(layout, "x", full.xaxis);
    const ya = axisOf(layout, "y", full.yaxis);
    if (!xa || !ya || typeof xa.l2p !== "function" || typeof ya.l2p !== "function") {
      return null;
    }
    let n = 0;
    const count = ghost.x.length;
    const px = new Float64Array(count);
    const py = new Float64Array(count);
    while (n < count) {
      px[n] = pixel(xa, ghost.x[n]);
      py[n] = pixel(ya, ghost.y[n]);
      if (!(isFinite(px[n]) && isFinite(py[n]))) {
        break;
      }
      n += 1;
    }
    const run = { xs: ghost.x, ys: ghost.y, px: px, py: py, n: n, count: count, cum: new Float64Array(Math.max(n, 1)) };
    const parts = [];
    for (let i = 0; i < n; i += 1) {
      if (i > 0) {
        run.cum[i] = run.cum[i - 1] + Math.hypot(px[i] - px[i - 1], py[i] - py[i - 1]);
      }
      parts.push((i === 0 ? "M" : "L") + px[i].toFixed(2) + "," + py[i].toFixed(2));
    }
    const group = element("g", { "clip-path": "url(#" + clipId + ")" }, svg);
    const pathTrace = pathIndex === null ? null : gd.data[pathIndex];
    if (pathTrace && n > 1) {
      const line = pathTrace.line || {};
      run.path = element(
        "path",
        {
          d: parts.join(""),
          fill: "none",
          stroke: line.color || "#444",
          "stroke-width": line.width || 2,
          "stroke-linejoin": "round",
          "stroke-dasharray": "0 " + (run.cum[n - 1] + 10),
        },
        group
      );
    }
    const marker = (gd.data[ballIndex] && gd.data[ballIndex].marker) || {};
    const outline = marker.line || {};
    run.ball = element(
      "circle",
      {
        r: (marker.size || 10) / 2,
        fill: marker.color || "#444",
        stroke: outline.color || "#111",
        "stroke-width": outline.width === undefined ? 1 : outline.width,
        visibility: "hidden",
      },
      null
    );
    run.ballGroup = element("g", { "clip-path": "url(#" + clipId + ")" }, null);
    run.ballGroup.appendChild(run.ball);
    return run;
  }

  /* The point of `run` at a fractional step `position`: data and pixel coordinates, or null. */
  function pointAt(run, position) {
    if (run.n === 0) {
      return null;
    }
    const last = run.n - 1;
    const k = Math.min(Math.floor(position), last);
    const t = k < last ? position - k : 0;
    const lerp = (a, i) => (t > 0 ? a[i] + t * (a[i + 1] - a[i]) : a[i]);
    return {
      x: lerp(run.xs, k),
      y: lerp(run.ys, k),
      px: lerp(run.px, k),
      py: lerp(run.py, k),
      length: t > 0 ? run.cum[k] + t * (run.cum[k + 1] - run.cum[k]) : run.cum[k],
      k: k,
    };
  }

  /*
   * The layer's <svg> in Plotly's `container` (.svg-container), just above its first main-svg (so
   * Plotly's hover layer stays on top): `previous` if it is still there, else a new one; emptied and
   * sized, with its viewBox, to `layout` (a _fullLayout). Also serves assets/dataview.js.
   */
  descent.overlaySvg = function (container, previous, layout) {
    let svg = previous;
    if (!svg || svg.parentNode !== container) {
      svg = element("svg", { class: "descent-overlay" }, null);
      container.insertBefore(svg, container.querySelectorAll("svg.main-svg")[1] || null);
    }
    while (svg.firstChild) {
      svg.removeChild(svg.firstChild);
    }
    svg.setAttribute("width", layout.width);
    svg.setAttribute("height", layout.height);
    svg.setAttribute("viewBox", "0 0 " + layout.width + " " + layout.height);
    return svg;
  };

  function Overlay(name) {
    this.name = name;
    this.gd = null;
    this.svg = null;
    this.runs = [];
    this.arrows = null;
    this.stale = true;
    this.drawn = null; // what the last draw put on screen, for state()
  }

  /* (Re)build the layer for graph `gd` and the runs `views` ([[ghost, path, ball], ...]). */
  Overlay.prototype.sync = function (gd, views, arrowTraces) {
    const layout = gd._fullLayout;
    const container = gd.querySelector(".svg-container");
    if (!layout || !container || !gd._fullData) {
      return false;
    }
    const svg = (this.svg = descent.overlaySvg(container, this.svg, layout));
    const defs = element("defs", {}, svg);
    const clips = {};
    const clipFor = (index) => {
      const full = gd._fullData[index] || {};
      const key = (full.xaxis || "x") + (full.yaxis || "y");
      if (!clips[key]) {
        const xa = axisOf(layout, "x", full.xaxis);
        const ya = axisOf(layout, "y", full.yaxis);
        serial += 1;
        clips[key] = "descent-clip-" + serial;
        const clip = element("clipPath", { id: clips[key] }, defs);
        if (xa && ya) {
          element("rect", { x: xa._offset, y: ya._offset, width: xa._length, height: ya._length }, clip);
        }
      }
      return clips[key];
    };
    this.runs = views.map((slots) => buildRun(gd, svg, clipFor(slots[0]), slots));
    this.arrows = null;
    if (arrowTraces && views.length > 0) {
      const clipId = clipFor(views[0][0]);
      const group = element("g", { "clip-path": "url(#" + clipId + ")" }, svg);
      this.arrows = arrowTraces.map((index) => {
        const trace = gd.data[index] || {};
        const line = trace.line || {};
        const color = line.color || "#000";
        serial += 1;
        const headId = "descent-head-" + serial;
        const head = element(
          "marker",
          { id: headId, viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 4, markerHeight: 4, orient: "auto" },
          defs
        );
        element("path", { d: "M0,0 L10,5 L0,10 z", fill: color }, head);
        return element(
          "line",
          {
            stroke: color,
            "stroke-width": line.width || 2,
            "stroke-dasharray": dashArray(line.dash, line.width || 2),
            "marker-end": "url(#" + headId + ")",
            visibility: "hidden",
          },
          group
        );
      });
      this.arrowAxes = [axisOf(layout, "x", (gd._fullData[views[0][0]] || {}).xaxis), axisOf(layout, "y", (gd._fullData[views[0][0]] || {}).yaxis)];
    }
    for (const run of this.runs) {
      if (run) {
        svg.appendChild(run.ballGroup);
      }
    }
    this.gd = gd;
    this.stale = false;
    return true;
  };

  /* Draw every run at the fractional step `position`; `arrows`: [[x0, y0, x1, y1] | null, ...]. */
  Overlay.prototype.draw = function (position, arrows) {
    const drawn = [];
    for (const run of this.runs) {
      if (!run) {
        drawn.push(null);
        continue;
      }
      const at = pointAt(run, position);
      if (run.path) {
        run.path.setAttribute("stroke-dasharray", (at ? at.length : 0).toFixed(2) + " " + (run.cum[run.n - 1] + 10));
      }
      if (at) {
        run.ball.setAttribute("cx", at.px.toFixed(2));
        run.ball.setAttribute("cy", at.py.toFixed(2));
        run.ball.setAttribute("visibility", "visible");
        drawn.push({ x: at.x, y: at.y, step: at.k, path: run.path ? at.k + 1 : 0 });
      } else {
        run.ball.setAttribute("visibility", "hidden");
        drawn.push(null);
      }
    }
    if (this.arrows) {
      const [xa, ya] = this.arrowAxes;
      this.arrows.forEach((line, i) => {
        const a = arrows && arrows[i];
        const ends = a && xa && ya ? [pixel(xa, a[0]), pixel(ya, a[1]), pixel(xa, a[2]), pixel(ya, a[3])] : null;
        if (!ends || !ends.every(isFinite) || Math.hypot(ends[2] - ends[0], ends[3] - ends[1]) < 1) {
          line.setAttribute("visibility", "hidden");
          return;
        }
        line.setAttribute("x1", ends[0].toFixed(2));
        line.setAttribute("y1", ends[1].toFixed(2));
        line.setAttribute("x2", ends[2].toFixed(2));
        line.setAttribute("y2", ends[3].toFixed(2));
        line.setAttribute("visibility", "visible");
      });
    }
    this.drawn = drawn;
  };

  Overlay.prototype.clear = function () {
    if (this.svg) {
      while (this.svg.firstChild) {
        this.svg.removeChild(this.svg.firstChild);
      }
    }
    this.runs = [];
    this.arrows = null;
    this.drawn = null;
  };

  descent.Overlay = Overlay;
})();
