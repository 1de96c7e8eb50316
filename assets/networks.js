/*
 * Descent, Networks view: switch between the training's snapshots in the browser, no server
 * round-trip per step. The server sends every snapshot once (app/networks/figures.py frames_data:
 * the probability shading as base64 bytes, round(254 p), 255 for blank; the fitted curve as
 * numbers; a recommender's U Vᵀ as bytes too, its place on the colour scale [lo, hi] in 254 steps;
 * each plane's point and each network's loss at that step) and the trace indices to patch.
 */
(function () {
  "use strict";

  function noUpdate() {
    return window.dash_clientside.no_update;
  }

  /* height × width bytes (base64) to rows of lo + (hi − lo) q / 254, null for 255 (blank). */
  function decode(text, height, width, lo, hi) {
    const bytes = window.atob(text);
    const rows = [];
    for (let i = 0; i < height; i++) {
      const row = new Array(width);
      for (let j = 0; j < width; j++) {
        const q = bytes.charCodeAt(i * width + j);
        row[j] = q === 255 ? null : lo + ((hi - lo) * q) / 254;
      }
      rows.push(row);
    }
    return rows;
  }

  function boundaryPatch(data, f) {
    const patch = new window.dash_clientside.Patch();
    const b = data.boundary;
    b.traces.forEach(function (traces, k) {
      if (data.task === "recommender") {
        patch.assign(["data", traces[0], "z"], decode(b.z[k][f], b.shape[0], b.shape[1], b.range[0], b.range[1]));
      } else if (data.task === "classification") {
        const z = decode(b.z[k][f], b.side, b.side, 0, 1);
        traces.forEach(function (t) {
          patch.assign(["data", t, "z"], z);
        });
      } else {
        patch.assign(["data", traces[0], "y"], b.y[k][f]);
      }
    });
    return patch.build();
  }

  function lossPatch(data, f) {
    const patch = new window.dash_clientside.Patch();
    const loss = data.loss;
    loss.y.forEach(function (ys, k) {
      patch.assign(["data", loss.first + k, "x"], [loss.x[f]]);
      patch.assign(["data", loss.first + k, "y"], [ys[f]]);
    });
    return patch.build();
  }

  function planePatch(plane, f) {
    if (!plane) {
      return noUpdate();
    }
    const patch = new window.dash_clientside.Patch();
    const xy = plane.xy[f];
    patch.assign(["data", plane.trace, "x"], [xy[0]]);
    patch.assign(["data", plane.trace, "y"], [xy[1]]);
    return patch.build();
  }

  function triggeredBy(id) {
    const list = (window.dash_clientside.callback_context || {}).triggered || [];
    return list.some(function (t) {
      return t.prop_id && t.prop_id.split(".")[0] === id;
    });
  }

  /* Projector mode: the text at the size config().fonts gives, titles and panel titles kept as much
     larger or smaller than the text as the server drew them (app/networks/figures.py presented). */
  function fontsPatch(figure, fonts) {
    const layout = figure && figure.layout;
    if (!layout || !layout.font) {
      return noUpdate();
    }
    const before = Number(layout.font.size) || fonts.font;
    const shift = fonts.font - before;
    const patch = new window.dash_clientside.Patch();
    patch.assign(["layout", "font", "size"], fonts.font);
    patch.assign(["layout", "legend", "font", "size"], fonts.legend);
    if (layout.title && layout.title.font && layout.title.font.size) {
      patch.assign(["layout", "title", "font", "size"], layout.title.font.size + shift);
    }
    (layout.annotations || []).forEach(function (note, i) {
      if (note.font && note.font.size) {
        patch.assign(["layout", "annotations", i, "font", "size"], note.font.size + shift);
      }
    });
    return patch.build();
  }

  function cell(text, tag) {
    return { type: tag || "Td", namespace: "dash_html_components", props: { children: text } };
  }

  /* The parameters that moved most this step: name, w before, ∂L/∂w, Δw and the optimizer's state
     this step made for each (rows of `top`; the state's names, torch's, in `state`). */
  function movesTable(top, state) {
    const fmt = window.descent.fmt;
    const names = ["parameter", "w", "∂L/∂w", "Δw"].concat(state || []);
    const head = { type: "Tr", namespace: "dash_html_components", props: { children: names.map((t) => cell(t, "Th")) } };
    const rows = top.map(function (row) {
      const cells = [cell(row[0])].concat(row.slice(1).map((v) => cell(fmt(v))));
      return { type: "Tr", namespace: "dash_html_components", props: { children: cells } };
    });
    const body = [
      { type: "Thead", namespace: "dash_html_components", props: { children: head } },
      { type: "Tbody", namespace: "dash_html_components", props: { children: rows } },
    ];
    return { type: "Table", namespace: "dash_html_components", props: { children: body, className: "net-moves" } };
  }

  /*
   * The step inspector at snapshot `f` of network `which` (app/networks/inspector.py): the update from
   * step k to k + 1 with its numbers, and the parameters that moved most. Explore's rules and format.
   */
  function inspectLines(data, which, f) {
    const descent = window.descent;
    const fmt = descent.fmt;
    const line = descent.line;
    const run = data.runs[which];
    const k = data.steps[f];
    const lines = [line(run.label + " · " + data.optimizer + " · step " + k, "rule")];
    lines.push(line(data.description, "hint"));
    if (run.loss[f] === null) {
      lines.push(line("This network diverged before this step: its weights are no longer numbers."));
      return lines;
    }
    const batch = typeof data.batch === "number" ? "   (a mini-batch of " + data.batch + ")" : "";
    if (run.move[f] === null) {
      const last = k === data.steps[data.steps.length - 1];
      lines.push(line("L(w) = " + fmt(run.loss[f]) + "    ‖∇L‖ = " + fmt(run.grad[f]) + batch));
      lines.push(line(last ? "This is the last point of the training." : "The next step left the numbers: the network diverged."));
      return lines;
    }
    const rules = descent.config().rules;
    lines.push(line(run.plain ? rules.plain : rules.state, "rule"));
    lines.push(line("α = " + fmt(run.lr[f]) + "    schedule: " + data.schedule));
    const shared = (data.shared || []).map((name, i) => name + " = " + fmt((run.shared[f] || [])[i]));
    if (shared.length) {
      lines.push(line(shared.join("    "))); // one number per network (Prodigy's d), not a column
    }
    lines.push(line("L(w) = " + fmt(run.loss[f]) + "    ‖∇L‖ = " + fmt(run.grad[f]) + "    ‖Δw‖ = " + fmt(run.move[f]) + batch));
    lines.push(line("moved most this step (of all " + data.params + " parameters):", "hint"));
    lines.push(movesTable(run.top[f], data.state));
    return lines;
  }

  const networks = {
    fonts: function (present) {
      const config = window.descent.config().fonts;
      const fonts = config[Array.isArray(present) && present.length > 0 ? "present" : "normal"];
      return Array.prototype.slice.call(arguments, 1).map(function (figure) {
        return fontsPatch(figure, fonts);
      });
    },

    showFrame: function (index, data) {
      if (!data || !data.steps || !data.steps.length) {
        return [noUpdate(), noUpdate(), noUpdate(), noUpdate(), noUpdate()];
      }
      const f = Math.max(0, Math.min(data.steps.length - 1, Math.round(Number(index) || 0)));
      const planes = data.planes || {};
      return [
        boundaryPatch(data, f),
        lossPatch(data, f),
        planePatch(planes.random, f),
        planePatch(planes.pca, f),
        "step " + data.steps[f],
      ];
    },

    inspect: function (index, which, data) {
      if (!data || !Array.isArray(data.runs) || !data.runs.length || !data.steps || !data.steps.length) {
        return "";
      }
      const f = Math.max(0, Math.min(data.steps.length - 1, Math.round(Number(index) || 0)));
      const k = typeof which === "number" && which >= 0 && which < data.runs.length ? which : 0;
      return inspectLines(data, k, f);
    },

    play: function (clicks, ticks, value, max, stopped) {
      const last = Number(max) || 0;
      const now = Number(value) || 0;
      if (triggeredBy("net-play")) {
        if (!stopped) {
          return [noUpdate(), true, "▶ Play"];
        }
        return [now >= last ? 0 : now, false, "‖ Pause"];
      }
      if (stopped) {
        return [noUpdate(), noUpdate(), noUpdate()];
      }
      if (now >= last) {
        return [noUpdate(), true, "▶ Play"];
      }
      return [now + 1, noUpdate(), noUpdate()];
    },
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, { networks: networks });
})();
