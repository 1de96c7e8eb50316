/*
 * Plotly's 3D view draws its axis labels on 2D canvases and reads the pixels back. Chromium then
 * warns that such canvases should be created with `willReadFrequently` (and keeps them on the GPU,
 * which makes each readback slow). Ask for that hint on every 2D canvas: faster, and a clean console.
 */
(function () {
  "use strict";
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, options) {
    if (kind === "2d") {
      options = Object.assign({ willReadFrequently: true }, options);
    }
    return getContext.call(this, kind, options);
  };
})();
