/*
 * Descent: animation in the browser, no server round-trip per frame.
 *
 * The server sends each run's whole path as a faint "ghost" trace; `render` slices it up to the
 * current step into the "path" trace and puts the "ball" at the current point, with a Dash Patch
 * (so the surface itself is never touched). Which traces those are comes from the runs-data store
 * (`views`: figure -> [[ghost, path, ball], ...], built by app/figures.py:views_index).
 */
(function () {
  "use strict";

  const FIGURES = ["surface", "contour", "compare", "loss"];
  const TICK_FPS = 30;
  /* As app/figures.py: FONT and PRESENT_FONT. */
  const FIGURE_FONTS = { normal: { font: 15, legend: 13 }, present: { font: 20, legend: 17 } };

  function noUpdate() {
    return window.dash_clientside.no_update;
  }

  function triggered(prefix) {
    const list = (window.dash_clientside.callback_context || {}).triggered || [];
    return list.some((t) => t.prop_id && t.prop_id.startsWith(prefix));
  }

  function clamp(value, lo, hi) {
    return Math.min(Math.max(value, lo), hi);
  }

  const GRAPH_IDS = { surface: "surface-3d", contour: "contour", compare: "compare", loss: "loss" };
  const INSTANT = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" };

  /*
   * Move one figure to `frame`: for each run, path = ghost[0..frame], ball = ghost[frame].
   * Plotly is called directly on the graph (not through the figure prop): 2D plots take the
   * `animate` path that redraws only the moving traces; 3D has no such path, so it restyles them.
   */
  function drawFrame(name, runs, frame, extra) {
    const gd = document.querySelector("#" + GRAPH_IDS[name] + " .js-plotly-plot");
    if (!gd || !gd.data || !gd._fullLayout || !window.Plotly) {
      return;
    }
    const traces = [];
    const updates = [];
    for (const [ghostIndex, pathIndex, ballIndex] of runs) {
      const ghost = gd.data[ghostIndex];
      if (!ghost || !Array.isArray(ghost.x) || ghost.x.length === 0) {
        continue;
      }
      const f = clamp(frame, 0, ghost.x.length - 1);
      const axes = Array.isArray(ghost.z) ? ["x", "y", "z"] : ["x", "y"];
      const path = {};
      const ball = {};
      for (const axis of axes) {
        path[axis] = ghost[axis].slice(0, f + 1);
        ball[axis] = [ghost[axis][f]];
      }
      if (pathIndex !== null) {
        traces.push(pathIndex);
        updates.push(path);
      }
      traces.push(ballIndex);
      updates.push(ball);
    }
    if (extra) {
      traces.push(...extra.traces);
      updates.push(...extra.updates);
    }
    if (traces.length === 0) {
      return;
    }
    if (name === "surface") {
      const columns = {};
      for (const axis of ["x", "y", "z"]) {
        columns[axis] = updates.map((u) => u[axis]);
      }
      drawSurface(gd, columns, traces);
    } else {
      settle(window.Plotly.animate(gd, { data: updates, traces: traces }, INSTANT));
    }
  }

  /*
   * The 3D view redraws its whole WebGL scene on every restyle: a few ms on a GPU, far more with
   * software WebGL (a school PC, a VM). So it is drawn at most once per three times its last draw
   * took (and at most 30 times a second); a frame that comes sooner is kept and drawn when the time
   * is up, so the last frame, where a run stops or the user paused, is always drawn. The 2D views,
   * the loss chart and the inspector never wait for it.
   */
  const surfaceDraw = { cost: 0, last: -Infinity, timer: null, pending: null };

  function drawSurface(gd, columns, traces) {
    surfaceDraw.pending = [gd, columns, traces];
    if (surfaceDraw.timer !== null) {
      return;
    }
    const wait = surfaceDraw.last + Math.max(1000 / TICK_FPS, 3 * surfaceDraw.cost) - performance.now();
    if (wait > 0) {
      surfaceDraw.timer = setTimeout(flushSurface, wait);
    } else {
      flushSurface();
    }
  }

  function flushSurface() {
    surfaceDraw.timer = null;
    const [gd, columns, traces] = surfaceDraw.pending;
    surfaceDraw.pending = null;
    const began = performance.now();
    surfaceDraw.last = began;
    settle(window.Plotly.restyle(gd, columns, traces));
    // WebGL draws in the next animation frame: the cost is the time until the page is free again.
    requestAnimationFrame(() =>
      setTimeout(() => {
        surfaceDraw.cost = performance.now() - began;
      }, 0)
    );
  }

  function fmt(v) {
    if (typeof v !== "number" || !isFinite(v)) {
      return "—";
    }
    const a = Math.abs(v);
    return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : String(Number(v.toFixed(4)));
  }

  function vec(v) {
    return "(" + fmt(v[0]) + ", " + fmt(v[1]) + ")";
  }

  function line(text, className) {
    return { type: "Div", namespace: "dash_html_components", props: { children: text, className: className || "" } };
  }

  /*
   * The step inspector: the update from step `frame` to the next, with the numbers plugged in, and the
   * arrows for the contour map (the step taken, and −α·∂L/∂w).
   */
  function inspect(data, frame) {
    const points = data.points;
    const n = points.length;
    const k = clamp(frame, 0, n - 1);
    const p = points[k];
    const lines = [line(data.label, "rule")];
    lines.push(line("w      = " + vec(p) + "    L(w) = " + fmt(data.losses[k])));
    if (k >= n - 1) {
      lines.push(line("This is the last point of the run."));
      return { lines: lines, arrows: [{ x: [], y: [] }, { x: [], y: [] }] };
    }
    const g = data.gradients[k];
    const lr = data.lrs[k];
    const q = points[k + 1];
    const step = [q[0] - p[0], q[1] - p[1]];
    const descent = [-lr * g[0], -lr * g[1]];
    lines.push(line("∂L/∂w  = " + vec(g) + "    α = " + fmt(lr)));
    // Plain gradient descent keeps no state and steps by −α·∂L/∂w. The numbers come rounded to 6
    // significant digits, so w and the step are compared at that precision (of w, not of the step).
    const stateless = Object.keys(data.states || {}).length === 0;
    const slack = 2e-5 * (Math.hypot(...p) + Math.hypot(...q)) + 1e-5 * Math.hypot(...descent) + 1e-300;
    const plain = stateless && Math.hypot(step[0] - descent[0], step[1] - descent[1]) <= slack;
    if (plain) {
      lines.push(line("w ← w − α·∂L/∂w", "rule"));
      lines.push(line("  = " + vec(p) + " − " + fmt(lr) + " × " + vec(g)));
      lines.push(line("  = " + vec(q) + "    L = " + fmt(data.losses[k + 1])));
    } else {
      lines.push(line("w ← w + Δw   (Δw from the optimizer's state)", "rule"));
      lines.push(line("Δw     = " + vec(step) + "  →  w = " + vec(q)));
      lines.push(line("−α·∂L/∂w would be " + vec(descent)));
      const gnorm = Math.hypot(...g);
      if (gnorm > 0) {
        lines.push(line("effective step size |Δw|/|∂L/∂w| = " + fmt(Math.hypot(...step) / gnorm)));
      }
      for (const [name, values] of Object.entries(data.states || {})) {
        lines.push(line(name + " = " + vec(values[k + 1])));
      }
    }
    const arrows = [
      { x: [p[0], q[0]], y: [p[1], q[1]] },
      { x: [p[0], p[0] + descent[0]], y: [p[1], p[1] + descent[1]] },
    ];
    return { lines: lines, arrows: arrows };
  }

  /* A newer frame interrupts an unfinished one: Plotly then rejects the older promise, as designed. */
  function settle(promise) {
    if (promise && typeof promise.catch === "function") {
      promise.catch(() => undefined);
    }
  }

  /* A click anywhere on the contour map starts the runs there (Plotly only reports clicks on points). */
  function listenForStartClicks() {
    const gd = document.querySelector("#contour .js-plotly-plot");
    if (!gd || gd.dataset.startClicks || !gd._fullLayout) {
      return;
    }
    gd.dataset.startClicks = "on";
    gd.addEventListener("click", function (event) {
      const layer = gd.querySelector(".nsewdrag");
      const xa = gd._fullLayout.xaxis;
      const ya = gd._fullLayout.yaxis;
      if (!layer || !xa || !ya) {
        return;
      }
      const box = layer.getBoundingClientRect();
      const x = xa.p2d(event.clientX - box.left);
      const y = ya.p2d(event.clientY - box.top);
      const [x0, x1] = xa.range;
      const [y0, y1] = ya.range;
      if (!(x >= Math.min(x0, x1) && x <= Math.max(x0, x1) && y >= Math.min(y0, y1) && y <= Math.max(y0, y1))) {
        return;
      }
      window.dash_clientside.set_props("start-x", { value: Number(x.toFixed(3)) });
      window.dash_clientside.set_props("start-y", { value: Number(y.toFixed(3)) });
    });
  }

  /* Keyboard: space play/pause, ← → one step, r back to the start (not while typing in a box). */
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    if (typing || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const buttons = { " ": "play", ArrowLeft: "step-back", ArrowRight: "step-forward", r: "reset" };
    const button = document.getElementById(buttons[event.key]);
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    descent: {
      /* Learning-rate slider (log10) and exact number box stay in step. */
      syncLearningRate: function (position, lr) {
        const list = (window.dash_clientside.callback_context || {}).triggered || [];
        if (list.some((t) => (t.prop_id || "").includes('"lr-slider"'))) {
          if (typeof position !== "number") {
            return [noUpdate(), noUpdate()];
          }
          return [noUpdate(), Number(Math.pow(10, position).toPrecision(3))];
        }
        if (typeof lr !== "number" || !(lr > 0) || !isFinite(lr)) {
          return [noUpdate(), noUpdate()];
        }
        return [Math.round(Math.log10(lr) * 100) / 100, noUpdate()];
      },

      /* Page classes: the mode, projector mode (large type), classroom (controls hidden). */
      rootClass: function (mode, present, view) {
        const classes = ["mode-" + (mode === "compare" || mode === "maps" ? mode : "explore")];
        if (Array.isArray(present) && present.length > 0) {
          classes.push("present");
        }
        if (view && view.classroom) {
          classes.push("classroom");
        }
        return classes.join(" ");
      },

      /* A share link: this page's address with the settings the server encoded. */
      shareLink: function (query) {
        if (typeof query !== "string") {
          return noUpdate();
        }
        return window.location.origin + window.location.pathname + query;
      },

      /* PNG of what is on screen: the contour map (or the panels) and the loss chart, with Plotly. */
      downloadPicture: function (clicks, mode, surface) {
        const names = mode === "compare" ? ["compare", "loss"] : ["surface-3d", "contour", "loss"];
        const drawn = names
          .map((name) => [name, document.querySelector("#" + name + " .js-plotly-plot")])
          .filter(([, gd]) => gd && gd._fullLayout);
        if (!window.Plotly || drawn.length < names.length) {
          // Right after the page opens the figures may not be drawn yet: say so, never do nothing.
          window.dash_clientside.set_props("status", { children: "The views are still being drawn: try the picture again in a moment." });
          return noUpdate();
        }
        for (const [name, gd] of drawn) {
          settle(window.Plotly.downloadImage(gd, { format: "png", scale: 2, filename: "descent-" + surface + "-" + name }));
        }
        return "Download the current views as PNG pictures";
      },

      /* The runs the step inspector can show; the chosen one stays chosen while it exists. */
      inspectChoices: function (data, current) {
        const runs = (data && Array.isArray(data.inspector) && data.inspector) || [];
        const options = runs.map((run, i) => ({ label: run.label, value: i }));
        const value = typeof current === "number" && current < runs.length ? current : 0;
        return [options, value];
      },

      /* Projector mode enlarges the figures' type too (the server sends whole figures at that size). */
      figureFonts: function (present) {
        const large = Array.isArray(present) && present.length > 0;
        const patch = new window.dash_clientside.Patch();
        patch.assign(["layout", "font", "size"], large ? FIGURE_FONTS.present.font : FIGURE_FONTS.normal.font);
        patch.assign(["layout", "legend", "font", "size"], large ? FIGURE_FONTS.present.legend : FIGURE_FONTS.normal.legend);
        const built = patch.build();
        return FIGURES.map(() => built);
      },

      speed: function (stepsPerSecond) {
        return Math.round(1000 / Math.min(stepsPerSecond || TICK_FPS, TICK_FPS));
      },

      /* Play / pause, a tick, step buttons, reset, and new runs (which start playing from step 0). */
      playback: function (play, tick, back, forward, reset, data, frame, last, paused, speed, pending) {
        frame = typeof frame === "number" ? frame : 0;
        last = typeof last === "number" ? last : 0;
        const label = (isPaused) => (isPaused ? "▶ Play" : "‖ Pause");
        const list = (window.dash_clientside.callback_context || {}).triggered || [];
        const initial = list.length === 0 || list.every((t) => t.prop_id === ".");
        if (initial || triggered("runs-data.")) {
          if (typeof pending === "number") {
            // A link or a lesson opens paused at its step.
            return [clamp(pending, 0, last), true, label(true), null];
          }
          return [0, false, label(false), noUpdate()];
        }
        if (triggered("play.")) {
          if (!paused) {
            return [frame, true, label(true), noUpdate()];
          }
          return [frame >= last ? 0 : frame, false, label(false), noUpdate()];
        }
        if (triggered("ticker.")) {
          if (paused) {
            return [noUpdate(), noUpdate(), noUpdate(), noUpdate()];
          }
          const stride = Math.max(1, Math.round((speed || TICK_FPS) / TICK_FPS));
          const next = Math.min(frame + stride, last);
          return next >= last ? [last, true, label(true), noUpdate()] : [next, false, label(false), noUpdate()];
        }
        if (triggered("step-back.")) {
          return [clamp(frame - 1, 0, last), true, label(true), noUpdate()];
        }
        if (triggered("step-forward.")) {
          return [clamp(frame + 1, 0, last), true, label(true), noUpdate()];
        }
        if (triggered("reset.")) {
          return [0, true, label(true), noUpdate()];
        }
        return [noUpdate(), noUpdate(), noUpdate(), noUpdate()];
      },

      /* Draw the current step on every figure of the current mode; returns the step label. */
      render: function (frame, data, which) {
        frame = typeof frame === "number" ? frame : 0;
        listenForStartClicks();
        const views = (data && data.views) || {};
        const runs = (data && Array.isArray(data.inspector) && data.inspector) || [];
        const chosen = runs[clamp(typeof which === "number" ? which : 0, 0, runs.length - 1)];
        const inspected = chosen ? inspect(chosen, frame) : null;
        for (const name of FIGURES) {
          if (views[name]) {
            const extra =
              name === "contour" && inspected && views.arrows
                ? { traces: views.arrows, updates: inspected.arrows }
                : null;
            drawFrame(name, views[name], frame, extra);
          }
        }
        const steps = data && typeof data.steps === "number" ? data.steps : frame;
        return ["step " + frame + " / " + steps, inspected ? inspected.lines : ""];
      },
    },
  });
})();
