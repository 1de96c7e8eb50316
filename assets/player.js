/*
 * The player: a requestAnimationFrame loop in the browser, no Dash callback per frame.
 *
 * It keeps the current step as a fractional position (the balls glide between steps, so slow motion
 * is smooth) and draws every frame on the 2D views' overlays (assets/overlay.js). The 3D view is
 * restyled through Plotly when the step changes, at most once per `surfaceThrottle` times its last
 * draw took, and never holds the 2D views back. Dash props (the scrubber, which drives the step label
 * and the inspector) follow at `publishHz` while playing and exactly when the player stops.
 *
 * The clock only runs while the views of the current mode are drawn with the current runs: a page
 * still being drawn (a busy PC) does not play ahead of what it shows. One frame advances at most
 * `maxFrameStep` seconds, so a stalled page is late rather than skipping.
 *
 * `window.descent.player.state()` is a read-only view of what is drawn (for tests and benchmarks).
 */
(function () {
  "use strict";
  const descent = (window.descent = window.descent || {});
  const clamp = (v, lo, hi) => descent.clamp(v, lo, hi);

  const player = {
    data: null,
    position: 0,
    playing: false,
    speed: null,
    which: 0,
    open: false,
  };
  const overlays = {};
  const echoes = new Map(); // scrubber values the player set itself and not yet seen back, and when
  const details = new Map(); // the inspector's details by run fingerprint (the current runs' only)
  let frameRequest = null;
  let previousTime = null;
  let lastPublish = -Infinity;
  let published = null;
  let dirty = true;
  const stats = { frames: 0, work: [], lastPosition: null };

  function cfg() {
    return descent.config().player;
  }

  function views() {
    return (player.data && player.data.views) || {};
  }

  function last() {
    return player.data && typeof player.data.steps === "number" ? player.data.steps : 0;
  }

  function step() {
    return clamp(Math.floor(player.position + 1e-9), 0, last());
  }

  function stepsPerSecond() {
    return typeof player.speed === "number" && player.speed > 0 ? player.speed : cfg().stepsPerSecond;
  }

  function twoD() {
    return Object.keys(views()).filter((name) => name !== "surface" && name !== "arrows");
  }

  /* Redraw the layers after any Plotly redraw of the graph (resize, zoom, fonts, new figure). */
  function hook(name, gd) {
    if (gd.descentHooked) {
      return;
    }
    gd.descentHooked = true;
    gd.on("plotly_afterplot", () => {
      if (overlays[name]) {
        overlays[name].stale = true;
      }
      invalidate();
    });
  }

  /*
   * Is the graph drawn, with a ghost for each of the current runs? (Dash hands the graph its new
   * figure in the same render as the new runs, so a drawn ghost per run is the current one; a later
   * redraw re-syncs the layer anyway.)
   */
  function drawnWithRuns(name, gd) {
    const runs = views()[name] || [];
    if (!gd || !gd._fullLayout || !gd.data || !gd._fullData) {
      return false;
    }
    return runs.every(([ghostIndex]) => {
      const ghost = gd.data[ghostIndex];
      return !!ghost && Array.isArray(ghost.x) && ghost.x.length > 0;
    });
  }

  function ready() {
    if (!player.data || !window.Plotly) {
      return false;
    }
    return twoD().every((name) => {
      const gd = descent.graph(name);
      if (gd && gd.on) {
        hook(name, gd);
      }
      return drawnWithRuns(name, gd);
    });
  }

  /* The run the inspector shows, as listed in the runs data ({label, id}), or null. */
  function chosenRun() {
    const runs = (player.data && Array.isArray(player.data.inspector) && player.data.inspector) || [];
    return runs.length ? runs[clamp(typeof player.which === "number" ? player.which : 0, 0, runs.length - 1)] : null;
  }

  /*
   * The open inspector's details of the chosen run (every step), or null: closed, or not yet fetched.
   * Details are kept by the fingerprint of the run they were computed from, and shown only for it.
   */
  function inspected() {
    const run = chosenRun();
    return player.open && run ? details.get(run.id) || null : null;
  }

  function drawTwoD() {
    const began = performance.now();
    const k = step();
    const chosen = inspected();
    const arrows = chosen && views().arrows ? descent.inspect(chosen, k).arrows : null;
    for (const name of twoD()) {
      const gd = descent.graph(name);
      if (!drawnWithRuns(name, gd)) {
        continue;
      }
      const overlay = overlays[name] || (overlays[name] = new descent.Overlay(name));
      if (overlay.stale || overlay.gd !== gd || overlay.data !== player.data) {
        if (!overlay.sync(gd, views()[name], name === "contour" ? views().arrows : null)) {
          continue;
        }
        overlay.data = player.data;
      }
      overlay.draw(player.position, name === "contour" ? arrows : null);
    }
    showStep();
    if (stats.lastPosition !== player.position) {
      stats.frames += 1;
      stats.lastPosition = player.position;
    }
    stats.work.push(performance.now() - began);
    if (stats.work.length > 2000) {
      stats.work.splice(0, 1000);
    }
  }

  /*
   * The step label shows the drawn step in every frame, not only when Dash next renders it: the text
   * node Dash rendered is updated in place (Dash's next render writes the same node, so they agree).
   */
  function showStep() {
    const element = document.getElementById(descent.config().ids.stepLabel);
    const text = element && element.firstChild;
    const wanted = player.label();
    if (text && text.nodeType === Node.TEXT_NODE && text.nodeValue !== wanted) {
      text.nodeValue = wanted;
    }
  }

  function tick(now) {
    frameRequest = null;
    const isReady = ready();
    if (player.playing) {
      if (isReady && previousTime !== null) {
        const dt = Math.min((now - previousTime) / 1000, cfg().maxFrameStep);
        player.position = Math.min(player.position + stepsPerSecond() * dt, last());
        dirty = true;
      }
      previousTime = isReady ? now : null;
      if (player.position >= last()) {
        player.playing = false;
        previousTime = null;
        stopped();
      }
    }
    if (isReady && dirty) {
      dirty = false;
      drawTwoD();
      descent.surface.draw(player, step());
      descent.dataview.draw(player.data, player.position, player.which); // the Model view (assets/dataview.js)
    }
    if (player.playing) {
      publish(false);
    }
    if (player.playing || !isReady || dirty) {
      schedule();
    }
  }

  function schedule() {
    if (frameRequest === null) {
      frameRequest = requestAnimationFrame(tick);
    }
  }

  function invalidate() {
    dirty = true;
    schedule();
  }

  function setProps(key, props) {
    const id = descent.config().ids[key];
    if (window.dash_clientside && typeof window.dash_clientside.set_props === "function") {
      window.dash_clientside.set_props(id, props);
    }
  }

  /* The scrubber follows the player (and with it the step label and the inspector). */
  function publish(force) {
    const now = performance.now();
    if (!force && now - lastPublish < 1000 / cfg().publishHz) {
      return;
    }
    lastPublish = now;
    const k = step();
    if (k === published) {
      return;
    }
    published = k;
    echoes.delete(k); // kept in the order published (see scrubbedTo)
    echoes.set(k, now);
    for (const [value, time] of echoes) {
      if (now - time > 5000) {
        echoes.delete(value);
      }
    }
    setProps("frame", { value: k });
  }

  function stopped() {
    publish(true);
    setProps("play", { children: label(false) });
  }

  function label(playing) {
    return playing ? cfg().labels.pause : cfg().labels.play;
  }

  player.setData = function (data) {
    if (!data || data === player.data) {
      return false;
    }
    player.data = data;
    const current = new Set((Array.isArray(data.inspector) ? data.inspector : []).map((run) => run.id));
    for (const id of details.keys()) {
      if (!current.has(id)) {
        details.delete(id);
      }
    }
    player.position = 0;
    player.playing = true; // new runs play from their start
    previousTime = null;
    published = null;
    echoes.clear();
    for (const overlay of Object.values(overlays)) {
      overlay.stale = true;
    }
    invalidate();
    return true;
  };

  player.seek = function (target) {
    player.position = clamp(Math.round(target), 0, last());
    previousTime = null;
    invalidate();
  };

  player.play = function () {
    if (step() >= last()) {
      player.position = 0;
    }
    player.playing = true;
    previousTime = null;
    invalidate();
  };

  player.pause = function () {
    player.playing = false;
    player.position = step(); // what is drawn when paused is exactly a step
    previousTime = null;
    // the echoes are kept: on a busy machine the scrubber's echo of a step played before the pause
    // can come back after it (and after a seek), and must not move the player back there
    invalidate();
  };

  player.toggle = function () {
    if (player.playing) {
      player.pause();
    } else {
      player.play();
    }
  };

  player.stepBy = function (delta) {
    player.pause();
    player.seek(step() + delta);
  };

  player.setSpeed = function (stepsPerSecondValue) {
    player.speed = stepsPerSecondValue;
  };

  player.setWhich = function (which) {
    if (which !== player.which) {
      player.which = which;
      invalidate();
    }
  };

  /* The inspector opened or closed (its arrows show only while open). */
  player.setOpen = function (open) {
    if (open !== player.open) {
      player.open = open;
      invalidate();
    }
  };

  /* Details of one run from the server ({id, label, points, gradients, lrs, losses, states}). */
  player.addDetails = function (value) {
    if (value && typeof value.id === "string" && Array.isArray(value.points) && details.get(value.id) !== value) {
      details.set(value.id, value);
      invalidate();
    }
  };

  /* Whether the chosen run's details are here, or need asking for. */
  player.hasDetails = function (id) {
    return details.has(id);
  };
  player.chosenRun = chosenRun;

  /* The scrubber moved: the player's own echo (maybe late), or the person dragging it. An echo is
   * ignored, and with it every value published before it (Dash may pass on only the latest of
   * several): those will not come back, and a person may scrub to them again. */
  player.scrubbedTo = function (value) {
    if (typeof value !== "number") {
      return;
    }
    if (echoes.has(value)) {
      for (const seen of echoes.keys()) {
        echoes.delete(seen);
        if (seen === value) {
          break;
        }
      }
      return;
    }
    if (value !== step()) {
      player.seek(value);
    }
  };

  player.step = step;
  player.label = function () {
    return "step " + step() + " / " + last();
  };
  player.playLabel = function () {
    return label(player.playing);
  };
  player.inspected = inspected;
  player.published = function () {
    return published;
  };

  /* Read-only: the step, whether playing, and each 2D view's drawn balls in data coordinates. */
  player.state = function () {
    const drawn = {};
    for (const [name, overlay] of Object.entries(overlays)) {
      if (overlay.drawn && overlay.data === player.data) {
        drawn[name] = overlay.drawn.map((ball) => (ball ? Object.assign({}, ball) : null));
      }
    }
    return {
      step: step(),
      position: player.position,
      last: last(),
      playing: player.playing,
      speed: stepsPerSecond(),
      ready: ready(),
      views: drawn,
      surfaceStep: descent.surface.drawnStep(),
    };
  };

  /* For bench/frames.py: distinct 2D frames drawn and the time each took (ms). */
  player.stats = function (reset) {
    const out = { frames: stats.frames, work: stats.work.slice() };
    if (reset) {
      stats.frames = 0;
      stats.work = [];
    }
    return out;
  };

  player.invalidate = invalidate;
  descent.player = player;
})();
