/*
 * Descent's Dash clientside callbacks (window.dash_clientside.descent), the step inspector, clicks on
 * the contour map and the keyboard. The animation itself is the player's (assets/player.js): these
 * callbacks only tell it what the person did and show what it has drawn.
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  const clamp = (v, lo, hi) => descent.clamp(v, lo, hi);
  const settle = (promise) => descent.settle(promise);

  function noUpdate() {
    return window.dash_clientside.no_update;
  }

  function ids() {
    return descent.config().ids;
  }

  function triggered(id) {
    const list = (window.dash_clientside.callback_context || {}).triggered || [];
    return list.some((t) => t.prop_id && t.prop_id.startsWith(id + "."));
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

  function isOpen(value) {
    return Array.isArray(value) && value.includes("on");
  }

  function line(text, className) {
    return { type: "Div", namespace: "dash_html_components", props: { children: text, className: className || "" } };
  }

  /* The inspectors' number format and text line (the Networks view's inspector uses them too). */
  descent.fmt = fmt;
  descent.line = line;

  /* Most evaluations the inspector lists for one step (L-BFGS's max_eval may allow 125). */
  const MAX_LISTED = 30;

  /*
   * L-BFGS's function evaluations within step `k` (`data.substeps[k]`: [x, y, loss] each, in order),
   * one line each, as the contour map marks them; nothing for an optimizer without sub-steps.
   */
  function substepLines(data, k) {
    const evaluations = (Array.isArray(data.substeps) && data.substeps[k]) || [];
    if (evaluations.length === 0) {
      return [];
    }
    const out = [line("evaluations in this step: " + evaluations.length + " (after the one at w)", "rule substeps")];
    evaluations.slice(0, MAX_LISTED).forEach(([x, y, loss], i) => {
      out.push(line("  " + (i + 1) + ".  w = " + vec([x, y]) + "    L = " + fmt(loss), "substep"));
    });
    if (evaluations.length > MAX_LISTED) {
      out.push(line("  … and " + (evaluations.length - MAX_LISTED) + " more", "substep"));
    }
    return out;
  }

  /*
   * The step inspector: the update from step `frame` to the next, with the numbers plugged in, and the
   * arrows for the contour map (the step taken, and −α·∂L/∂w).
   */
  descent.inspect = function (data, frame) {
    const points = data.points;
    const n = points.length;
    const k = clamp(frame, 0, n - 1);
    const p = points[k];
    const lines = [line(data.label, "rule")];
    lines.push(line("w      = " + vec(p) + "    L(w) = " + fmt(data.losses[k])));
    if (k >= n - 1) {
      lines.push(line("This is the last point of the run."));
      return { lines: lines, arrows: [null, null] };
    }
    const g = data.gradients[k];
    const lr = data.lrs[k];
    const q = points[k + 1];
    const step = [q[0] - p[0], q[1] - p[1]];
    const down = [-lr * g[0], -lr * g[1]];
    lines.push(line("∂L/∂w  = " + vec(g) + "    α = " + fmt(lr)));
    // Plain gradient descent keeps no state and steps by −α·∂L/∂w. The numbers come rounded to 6
    // significant digits, so w and the step are compared at that precision (of w, not of the step).
    const stateless = Object.keys(data.states || {}).length === 0;
    const slack = 2e-5 * (Math.hypot(...p) + Math.hypot(...q)) + 1e-5 * Math.hypot(...down) + 1e-300;
    const plain = stateless && Math.hypot(step[0] - down[0], step[1] - down[1]) <= slack;
    if (plain) {
      lines.push(line(descent.config().rules.plain, "rule"));
      lines.push(line("  = " + vec(p) + " − " + fmt(lr) + " × " + vec(g)));
      lines.push(line("  = " + vec(q) + "    L = " + fmt(data.losses[k + 1])));
    } else {
      lines.push(line(descent.config().rules.state, "rule"));
      lines.push(line("Δw     = " + vec(step) + "  →  w = " + vec(q)));
      lines.push(line("−α·∂L/∂w would be " + vec(down)));
      const gnorm = Math.hypot(...g);
      if (gnorm > 0) {
        lines.push(line("effective step size |Δw|/|∂L/∂w| = " + fmt(Math.hypot(...step) / gnorm)));
      }
      for (const [name, values] of Object.entries(data.states || {})) {
        lines.push(line(name + " = " + vec(values[k + 1])));
      }
    }
    lines.push(...substepLines(data, k));
    const arrows = [
      [p[0], p[1], q[0], q[1]],
      [p[0], p[1], p[0] + down[0], p[1] + down[1]],
    ];
    return { lines: lines, arrows: arrows };
  };

  /* A click anywhere on the contour map starts the runs there (Plotly only reports clicks on points). */
  function listenForStartClicks() {
    const gd = descent.graph("contour");
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
      window.dash_clientside.set_props(ids().startX, { value: Number(x.toFixed(3)) });
      window.dash_clientside.set_props(ids().startY, { value: Number(y.toFixed(3)) });
    });
  }

  /* Keyboard: space play/pause, ← → one step, r back to the start (not while typing in a box). */
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const box = target && target.tagName === "INPUT" && ["checkbox", "radio"].includes(target.type); // not typed in
    const typing = target && !box && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    if (typing || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const buttons = { " ": "play", ArrowLeft: "back", ArrowRight: "forward", r: "reset" };
    const button = buttons[event.key] && document.getElementById(ids()[buttons[event.key]]);
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  /*
   * The figure of a 2D view as drawn now, for a picture: the live graph's traces with each run's path
   * and ball (and the inspector's arrows) filled in at the player's step, as the overlay draws them.
   */
  function figureNow(name, gd) {
    const player = descent.player;
    const views = (player.data && player.data.views) || {};
    const k = player.step();
    const data = gd.data.map((trace) => Object.assign({}, trace));
    for (const [ghostIndex, pathIndex, ballIndex] of views[name] || []) {
      const ghost = gd.data[ghostIndex];
      if (!ghost || !Array.isArray(ghost.x) || ghost.x.length === 0) {
        continue;
      }
      let f = clamp(k, 0, ghost.x.length - 1);
      while (f > 0 && (ghost.x[f] === null || ghost.y[f] === null)) {
        f -= 1; // a run that diverged: its ball stays on the last point it reached
      }
      if (pathIndex !== null) {
        data[pathIndex] = Object.assign({}, data[pathIndex], { x: ghost.x.slice(0, f + 1), y: ghost.y.slice(0, f + 1) });
      }
      data[ballIndex] = Object.assign({}, data[ballIndex], { x: [ghost.x[f]], y: [ghost.y[f]] });
    }
    const chosen = player.inspected();
    if (name === "contour" && chosen && views.arrows) {
      descent.inspect(chosen, k).arrows.forEach((a, i) => {
        const xy = a ? { x: [a[0], a[2]], y: [a[1], a[3]] } : { x: [], y: [] };
        data[views.arrows[i]] = Object.assign({}, data[views.arrows[i]], xy);
      });
    }
    return { data: data, layout: gd.layout };
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    descent: {
      /* Page classes: the mode, projector mode (large type), classroom (controls hidden). */
      rootClass: function (mode, present, view) {
        const modes = descent.config().modes;
        const classes = ["mode-" + (modes.includes(mode) ? mode : modes[0])];
        if (Array.isArray(present) && present.length > 0) {
          classes.push("present");
        }
        if (view && view.classroom) {
          classes.push("classroom");
        }
        return classes.join(" ");
      },

      /* A share link: this page's address with the settings the server encoded (kept in the address bar too). */
      shareLink: function (query) {
        if (typeof query !== "string") {
          return noUpdate();
        }
        descent.keepInAddress(query);
        return window.location.origin + window.location.pathname + query;
      },

      /* PNG of what is on screen, balls and paths at the current step included. */
      downloadPicture: function (clicks, mode, surface) {
        const names = mode === "compare" ? ["compare", "loss"] : ["surface", "contour", "loss"];
        const drawn = names.map((name) => [name, descent.graph(name)]).filter(([, gd]) => gd && gd._fullLayout);
        if (!window.Plotly || drawn.length < names.length || !descent.player.state().ready) {
          // Right after the page opens the figures may not be drawn yet: say so, never do nothing.
          window.dash_clientside.set_props(ids().status, {
            children: "The views are still being drawn: try the picture again in a moment.",
          });
          return noUpdate();
        }
        for (const [name, gd] of drawn) {
          const what = name === "surface" ? gd : figureNow(name, gd);
          const filename = "descent-" + surface + "-" + descent.config().graphs[name];
          settle(window.Plotly.downloadImage(what, { format: "png", scale: 2, filename: filename }));
        }
        // The Model view of a data surface (assets/dataview.js), at the same step.
        const model = mode === "compare" ? null : descent.dataview.picture(descent.player.data, descent.player.step(), descent.player.which);
        if (model) {
          const filename = "descent-" + surface + "-" + ids().model;
          settle(window.Plotly.downloadImage(model, { format: "png", scale: 2, filename: filename }));
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
        const fonts = descent.config().fonts[Array.isArray(present) && present.length > 0 ? "present" : "normal"];
        const patch = new window.dash_clientside.Patch();
        patch.assign(["layout", "font", "size"], fonts.font);
        patch.assign(["layout", "legend", "font", "size"], fonts.legend);
        const built = patch.build();
        return Object.keys(descent.config().graphs).map(() => built);
      },

      /* The speed menu's value is steps per second; the player reads it (no timer to set). */
      speed: function (stepsPerSecond) {
        descent.player.setSpeed(stepsPerSecond);
        return typeof stepsPerSecond === "number" ? "Speed: " + stepsPerSecond + " steps per second" : noUpdate();
      },

      /*
       * Play / pause, step buttons, reset, and new runs (which play from step 0, or open paused at the
       * step of a link or lesson). Returns the scrubber's value, the play button's label and the
       * pending step. The player draws; nothing here runs per frame.
       */
      playback: function (play, back, forward, reset, data, pending) {
        const player = descent.player;
        const list = (window.dash_clientside.callback_context || {}).triggered || [];
        const initial = list.length === 0 || list.every((t) => t.prop_id === ".");
        let done = noUpdate();
        if (initial || triggered(ids().runsData)) {
          player.setData(data);
          if (typeof pending === "number") {
            player.pause();
            player.seek(pending);
            done = null;
          }
        } else if (triggered(ids().play)) {
          player.toggle();
        } else if (triggered(ids().back)) {
          player.stepBy(-1);
        } else if (triggered(ids().forward)) {
          player.stepBy(1);
        } else if (triggered(ids().reset)) {
          player.pause();
          player.seek(0);
        } else {
          return [noUpdate(), noUpdate(), noUpdate()];
        }
        return [player.step(), player.playLabel(), done];
      },

      /*
       * The open inspector asks for the chosen run's details (every step, one request per run shown);
       * closed, it asks for nothing and the computes send none.
       */
      inspectRequest: function (open, which, data) {
        const runs = (data && Array.isArray(data.inspector) && data.inspector) || [];
        const k = typeof which === "number" && which >= 0 && which < runs.length ? which : 0;
        if (!isOpen(open) || !runs[k] || descent.player.hasDetails(runs[k].id)) {
          return noUpdate();
        }
        return { run: k, id: runs[k].id };
      },

      /* The step label and the inspector for the player's step; a dragged scrubber moves the player. */
      render: function (frame, open, which, data, details) {
        const player = descent.player;
        listenForStartClicks();
        player.setData(data);
        player.setWhich(typeof which === "number" ? which : 0);
        player.addDetails(details);
        player.setOpen(isOpen(open));
        if (triggered(ids().frame)) {
          player.scrubbedTo(frame);
        }
        const chosen = player.inspected();
        if (chosen) {
          return [player.label(), descent.inspect(chosen, player.step()).lines];
        }
        const waiting = player.open && player.chosenRun();
        const hint = waiting ? "Computing this run's steps…" : "Tick show: each step's update with its numbers, and arrows on the map.";
        return [player.label(), player.chosenRun() ? [line(hint, "hint")] : ""];
      },
    },
  });
})();
