// Progressive enhancement for journey maps: a PNG download drawn from the server's SVG.
// Without JavaScript the SVG and PDF links still work; the PNG button stays hidden.
(function () {
  "use strict";
  document.querySelectorAll("button.png-export").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      fetch(button.dataset.svg, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (svg) {
          var image = new Image();
          var url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
          image.onload = function () {
            var scale = 2; // sharp enough for a projector or a printed poster
            var canvas = document.createElement("canvas");
            canvas.width = image.width * scale;
            canvas.height = image.height * scale;
            var ctx = canvas.getContext("2d");
            ctx.scale(scale, scale);
            ctx.drawImage(image, 0, 0);
            URL.revokeObjectURL(url);
            canvas.toBlob(function (blob) {
              var link = document.createElement("a");
              link.href = URL.createObjectURL(blob);
              link.download = button.dataset.name || "journey.png";
              link.click();
            }, "image/png");
          };
          image.src = url;
        });
    });
  });
})();
