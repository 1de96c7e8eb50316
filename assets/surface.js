/*
 * The 3D view: Plotly redraws its whole WebGL scene on every restyle (a few ms on a GPU, far more
 * with software WebGL on a school PC or a VM). So the player's step is drawn there at most once per
 * `surfaceThrottle` times its last draw took (and at most once per animation frame); a step that
 * comes sooner is kept and drawn when the time is up, so the step where the player stops is always
 * drawn. The 2D views never wait for it.
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  const draw = { cost: 0, last: -Infinity, timer: null, pending: null, step: null, wanted: null };

  /* Path and ball traces of every run at step k, as Plotly.restyle columns. */
  function columnsAt(gd, runs, k) {
    const traces = [];
    const columns = { x: [], y: [], z: [] };
    for (const [ghostIndex, pathIndex, ballIndex] of runs) {
      const ghost = gd.data[ghostIndex];
      if (!ghost || !Array.isArray(ghost.x) || ghost.x.length === 0) {
        continue;
      }
      const f = descent.clamp(k, 0, ghost.x.length - 1);
      for (const axis of ["x", "y", "z"]) {
        columns[axis].push(ghost[axis].slice(0, f + 1), [ghost[axis][f]]);
      }
      traces.push(pathIndex, ballIndex);
    }
    return [columns, traces];
  }

  function flush() {
    draw.timer = null;
    const [gd, runs, k] = draw.pending;
    draw.pending = null;
    if (!gd.data || !gd._fullLayout) {
      return;
    }
    const [columns, traces] = columnsAt(gd, runs, k);
    if (traces.length === 0) {
      return;
    }
    const began = performance.now();
    draw.last = began;
    draw.step = k;
    descent.settle(window.Plotly.restyle(gd, columns, traces));
    // WebGL draws in the next animation frame: the cost is the time until the page is free again.
    requestAnimationFrame(() =>
      setTimeout(() => {
        draw.cost = performance.now() - began;
      }, 0)
    );
  }

  /*
   * The server draws the 3D view at the screen's resolution for a pixel ratio of 1 (cheap on software
   * WebGL); a sharper screen gets its own ratio (up to 2, Plotly's default), once: Plotly re-creates
   * the scene when the config changes.
   */
  function sharpen(gd) {
    const ratio = Math.min(Math.round(window.devicePixelRatio || 1), 2);
    const config = descent.config().graphConfig;
    if (ratio > config.plotGlPixelRatio && gd._context && gd._context.plotGlPixelRatio !== ratio && window.dash_clientside) {
      const id = descent.config().graphs.surface;
      window.dash_clientside.set_props(id, { config: Object.assign({}, config, { plotGlPixelRatio: ratio }) });
    }
  }

  descent.surface = {
    /* Ask for step k of the player's runs on the 3D view (if the current mode shows it). */
    draw: function (player, k) {
      const runs = (player.data && player.data.views && player.data.views.surface) || null;
      const gd = runs ? descent.graph("surface") : null;
      if (!gd || !gd._fullLayout || !gd.data) {
        return;
      }
      if (!gd.descentHooked && gd.on) {
        // A new figure (new runs, projector fonts) comes with empty balls: draw the step again.
        gd.descentHooked = true;
        sharpen(gd);
        gd.on("plotly_afterplot", () => {
          const first = draw.data && draw.data.views && draw.data.views.surface && draw.data.views.surface[0];
          const ball = first && gd.data && gd.data[first[2]];
          if (ball && Array.isArray(ball.x) && ball.x.length === 0 && draw.pending === null) {
            draw.wanted = null;
            descent.player.invalidate();
          }
        });
      }
      const key = k + ":" + runs.length;
      if (draw.wanted === key && draw.gd === gd && draw.data === player.data) {
        return;
      }
      draw.wanted = key;
      draw.gd = gd;
      draw.data = player.data;
      draw.pending = [gd, runs, k];
      if (draw.timer !== null) {
        return;
      }
      const throttle = descent.config().player.surfaceThrottle;
      const wait = draw.last + throttle * draw.cost - performance.now();
      draw.timer = setTimeout(flush, Math.max(wait, 0));
    },
    /* Forget what was drawn (a new figure arrived: draw the step again). */
    invalidate: function () {
      draw.wanted = null;
    },
    drawnStep: function () {
      return draw.step;
    },
    lastCost: function () {
      return draw.cost;
    },
  };
})();
