/* The composed picture (title, map, loss chart, legend, settings): the server builds it as one Plotly
 * figure (app/shell/export.py composed_figure); here Plotly renders it off-screen as a PNG and the
 * browser downloads it. Only this; the player and everything else live in the other files. */
(function () {
  "use strict";

  function downloadComposed(data) {
    const noUpdate = window.dash_clientside.no_update;
    if (!data || !data.figure || !window.Plotly) {
      return noUpdate;
    }
    const options = { format: "png", width: data.width, height: data.height };
    window.Plotly.toImage(data.figure, options)
      .then(function (url) {
        const link = document.createElement("a");
        link.href = url;
        link.download = data.filename || "descent.png";
        document.body.appendChild(link);
        link.click();
        link.remove();
      })
      .catch(function (error) {
        window.dash_clientside.set_props(window.descent.config().ids.status, { children: "The picture could not be made: " + error });
      });
    return "Download one picture with the title, legend and settings";
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    descent_export: { downloadComposed: downloadComposed },
  });
})();
