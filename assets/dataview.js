/*
 * The Model view of a data surface (app/explore/dataview.py): what moves on it, drawn by the player
 * (assets/player.js calls `descent.dataview.draw` in the same frame as the 2D views; no Dash
 * callback per frame).
 *
 * The server sends the figure with the static parts (the examples, the shading) and each run's line
 * trace empty but styled, and, in the runs data's `model`, per run and step what moves: the line's
 * two heights at the axis ends (linear regression, interpolated between steps like the balls), the
 * mini-batch as a hexadecimal bit mask, or the decision boundary already clipped to the axes (drawn
 * at the step itself). This layer draws them in an SVG of its own over the Plotly axes, mapped with
 * the axes' scales and mapped again after every Plotly redraw.
 *
 * The logistic view's shading (P(class 1) of the inspected run) is restyled through Plotly at most
 * once per `surfaceThrottle` times its last restyle took, like the 3D view; the step where the
 * player stops is always shaded.
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  const SVG = "http://www.w3.org/2000/svg";
  const layer = { gd: null, data: null, svg: null, stale: true, lines: [], rings: [], drawn: null };
  const shading = { cost: 0, last: -Infinity, timer: null, key: null, wanted: null, drawn: null, z: null };
  let serial = 0;

  function element(kind, attributes, parent) {
    const node = document.createElementNS(SVG, kind);
    for (const [key, value] of Object.entries(attributes)) {
      node.setAttribute(key, String(value));
    }
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function graph() {
    const outer = document.getElementById(descent.config().ids.model);
    return outer ? outer.querySelector(".js-plotly-plot") : null;
  }

  /* The figure on screen is this model's: its runs' traces after the static ones. */
  function matches(gd, model) {
    return !!(gd && gd._fullLayout && gd.data && gd.data.length === model.first + model.runs.length);
  }

  function pixel(axis, value) {
    return axis._offset + axis.l2p(axis.d2l(value));
  }

  function hook(gd) {
    if (gd.descentModelHooked) {
      return;
    }
    gd.descentModelHooked = true;
    const redrawn = () => {
      layer.stale = true;
      descent.player.invalidate();
    };
    // Any redraw, including a Plotly.react of Dash's copy that resets the shading to step 0.
    ["plotly_afterplot", "plotly_react", "plotly_redraw"].forEach((event) => gd.on(event, redrawn));
  }

  function sync(gd, model) {
    const layout = gd._fullLayout;
    const container = gd.querySelector(".svg-container");
    const xa = layout.xaxis;
    const ya = layout.yaxis;
    if (!container || !xa || !ya || typeof xa.l2p !== "function") {
      return false;
    }
    const svg = (layer.svg = descent.overlaySvg(container, layer.svg, layout));
    serial += 1;
    const clipId = "descent-model-clip-" + serial;
    const clip = element("clipPath", { id: clipId }, element("defs", {}, svg));
    element("rect", { x: xa._offset, y: ya._offset, width: xa._length, height: ya._length }, clip);
    const group = element("g", { "clip-path": "url(#" + clipId + ")" }, svg);
    layer.rings = [];
    if (model.kind === "line") {
      const examples = gd.data[0];
      const ring = (gd.data[1] && gd.data[1].marker) || {};
      for (let i = 0; i < examples.x.length; i += 1) {
        layer.rings.push(
          element(
            "circle",
            {
              cx: pixel(xa, examples.x[i]).toFixed(2),
              cy: pixel(ya, examples.y[i]).toFixed(2),
              r: (ring.size || 14) / 2,
              fill: "none",
              "stroke-width": (ring.line && ring.line.width) || 2.5,
              visibility: "hidden",
            },
            group
          )
        );
      }
    }
    layer.lines = model.runs.map((_, i) => {
      const line = (gd.data[model.first + i] || {}).line || {};
      return element(
        "line",
        { stroke: line.color || "#444", "stroke-width": line.width || 3, "stroke-linecap": "round", visibility: "hidden" },
        group
      );
    });
    layer.axes = [xa, ya];
    layer.gd = gd;
    layer.data = model;
    layer.stale = false;
    return true;
  }

  /* Run i's line at the fractional step `position`, in data coordinates, or null. */
  function lineAt(model, run, position) {
    if (model.kind === "line") {
      const n = run.ys.length;
      const k = Math.min(Math.floor(position), n - 1);
      const t = k < n - 1 ? position - k : 0;
      const y = (j) => run.ys[k][j] + t * ((k < n - 1 ? run.ys[k + 1][j] : run.ys[k][j]) - run.ys[k][j]);
      return [model.xs[0], y(0), model.xs[1], y(1)];
    }
    const segments = run.segments;
    return segments[Math.min(Math.floor(position), segments.length - 1)] || null;
  }

  /* The run whose mini-batch is ringed: the inspected one if it has batches, else the first that has. */
  function batchRun(model, which) {
    const chosen = model.runs[which];
    return chosen && chosen.batch ? which : model.runs.findIndex((run) => run.batch);
  }

  /* The ringed run at step k (null if none) and the examples of its mini-batch, of `count` examples. */
  function batchAt(model, which, k, count) {
    const index = model.kind === "line" ? batchRun(model, which) : -1;
    const run = index >= 0 ? model.runs[index] : null;
    const mask = run ? run.batch[Math.min(k, run.batch.length - 1)] : "";
    const members = [];
    for (let i = 0; i < count; i += 1) {
      const digit = mask.length - 1 - (i >> 2);
      if (digit >= 0 && (parseInt(mask[digit], 16) >> (i & 3)) & 1) {
        members.push(i);
      }
    }
    return { run: run ? index : null, members: members };
  }

  function drawRings(model, which, k) {
    const batch = batchAt(model, which, k, layer.rings.length);
    const on = new Set(batch.members);
    layer.rings.forEach((ring, i) => {
      if (on.has(i)) {
        ring.setAttribute("stroke", model.runs[batch.run].ring);
      }
      ring.setAttribute("visibility", on.has(i) ? "visible" : "hidden");
    });
    return batch;
  }

  /* The Model view's figure with every run's model (and the ringed batch, or the shading) at step k. */
  function pictureAt(gd, model, k, which) {
    const data = gd.data.map((trace) => Object.assign({}, trace));
    model.runs.forEach((run, i) => {
      const at = lineAt(model, run, k);
      const xy = at ? { x: [at[0], at[2]], y: [at[1], at[3]] } : { x: [], y: [] };
      data[model.first + i] = Object.assign({}, data[model.first + i], xy);
    });
    if (model.kind === "line") {
      const examples = gd.data[0];
      const batch = batchAt(model, which, k, examples.x.length);
      const ring = data[1].marker || {};
      const color = batch.run === null ? (ring.line || {}).color : model.runs[batch.run].ring;
      data[1] = Object.assign({}, data[1], {
        x: batch.members.map((i) => examples.x[i]),
        y: batch.members.map((i) => examples.y[i]),
        marker: Object.assign({}, ring, { line: Object.assign({}, ring.line, { color: color }) }),
      });
    } else {
      const run = model.runs[Math.min(which, model.runs.length - 1)];
      const weights = run.weights[Math.min(k, run.weights.length - 1)];
      data[0] = Object.assign({}, data[0], { z: probabilities(gd, weights) });
    }
    return { data: data, layout: gd.layout };
  }

  function probabilities(gd, w) {
    const trace = gd.data[0];
    return trace.y.map((y) => trace.x.map((x) => 1 / (1 + Math.exp(-(w[0] * x + w[1] * y)))));
  }

  function flushShading() {
    shading.timer = null;
    const [gd, key, weights] = shading.wanted;
    if (!gd._fullLayout || !gd.data || shading.key === key) {
      if (!gd._fullLayout && gd !== graph()) {
        descent.player.invalidate(); // the graph was replaced before its shading: draw the new one
      }
      return;
    }
    const began = performance.now();
    shading.last = began;
    shading.key = key;
    shading.drawn = key;
    const z = (shading.z = probabilities(gd, weights));
    const done = window.Plotly.restyle(gd, { z: [z] }, [0]);
    shading.cost = performance.now() - began;
    // If a redraw of the figure replaced these numbers before they were drawn, shade again.
    descent.settle(done && done.then && done.then(() => verifyShading(gd, z)));
  }

  function verifyShading(gd, z) {
    if (shading.z === z && shading.gd === gd && (!gd.data || !gd.data[0] || gd.data[0].z !== z)) {
      shading.key = null;
      shading.drawn = null;
      descent.player.invalidate();
    }
  }

  function drawShading(gd, model, which, k) {
    const run = model.runs[Math.min(which, model.runs.length - 1)];
    if (!run || !window.Plotly) {
      return;
    }
    const step = Math.min(k, run.weights.length - 1);
    const key = which + ":" + step + ":" + model.runs.length;
    const same = shading.gd === gd && shading.data === model && gd.data[0].z === shading.z;
    if (shading.key === key && same) {
      return;
    }
    if (!same) {
      // A new figure, or the figure redrawn from Dash's copy (projector fonts): it comes shaded at
      // step 0 of run 0, so shade it again.
      shading.key = null;
    }
    shading.gd = gd;
    shading.data = model;
    shading.wanted = [gd, key, run.weights[step]];
    if (shading.timer === null) {
      const wait = shading.last + descent.config().player.surfaceThrottle * shading.cost - performance.now();
      shading.timer = setTimeout(flushShading, Math.max(wait, 0));
    }
  }

  /* Projector mode: the Model view's type at once (the server sends the next figure at that size too). */
  function fonts(present, figure) {
    if (!figure || !Array.isArray(figure.data) || figure.data.length === 0) {
      return window.dash_clientside.no_update; // no Model view: leave the empty graph undrawn
    }
    const sizes = descent.config().fonts[Array.isArray(present) && present.length > 0 ? "present" : "normal"];
    const patch = new window.dash_clientside.Patch();
    patch.assign(["layout", "font", "size"], sizes.model);
    return patch.build();
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, { descent_model: { fonts: fonts } });

  descent.dataview = {
    /* Draw the runs' models of `data.model` at the fractional step `position`; `which`: the inspected run. */
    draw: function (data, position, which) {
      const model = data && data.model;
      const gd = model ? graph() : null;
      if (gd && typeof gd.on === "function") {
        hook(gd); // a figure drawn later (the same answer as the runs) redraws the layer
      }
      if (!model || !matches(gd, model)) {
        layer.drawn = null;
        return;
      }
      if ((layer.stale || layer.gd !== gd || layer.data !== model) && !sync(gd, model)) {
        return;
      }
      const [xa, ya] = layer.axes;
      const k = Math.floor(position + 1e-9);
      const lines = model.runs.map((run, i) => {
        const at = lineAt(model, run, position);
        const node = layer.lines[i];
        if (!at) {
          node.setAttribute("visibility", "hidden");
          return null;
        }
        const px = [pixel(xa, at[0]), pixel(ya, at[1]), pixel(xa, at[2]), pixel(ya, at[3])];
        ["x1", "y1", "x2", "y2"].forEach((name, j) => node.setAttribute(name, px[j].toFixed(2)));
        node.setAttribute("visibility", "visible");
        return { x0: at[0], y0: at[1], x1: at[2], y1: at[3], px: px };
      });
      const chosen = typeof which === "number" ? which : 0;
      const batch = drawRings(model, chosen, k);
      if (model.kind === "boundary") {
        drawShading(gd, model, chosen, k);
      }
      layer.drawn = { kind: model.kind, position: position, step: k, lines: lines, batch: batch };
    },

    /*
     * For a picture: the Model view's figure as the player draws it at whole step `k` (`which`: the
     * inspected run), or null if no Model view is shown.
     */
    picture: function (data, k, which) {
      const model = data && data.model;
      const gd = model ? graph() : null;
      if (!model || !matches(gd, model) || model.runs.length === 0) {
        return null;
      }
      return pictureAt(gd, model, k, typeof which === "number" ? which : 0);
    },

    /* Read-only, for tests: what the last draw put on screen (data and pixel coordinates). */
    state: function () {
      return layer.drawn && Object.assign({}, layer.drawn, { shading: shading.drawn });
    },
  };
})();
