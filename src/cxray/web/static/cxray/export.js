/* Download buttons under every chart (SVG, PNG) and every data table (CSV).
 * Progressive: without JavaScript the page is the same, minus the buttons. Labels come from
 * the script tag's data-* attributes, so they are in the page's language. */
(function () {
  "use strict";
  var me = document.currentScript;
  var L = (me && me.dataset) || {};
  var title = (document.querySelector("h1") || {}).textContent || "cxray";
  var base = title.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "") || "cxray";

  function save(blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function svgText(svg) {
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (box && box.width) { copy.setAttribute("width", box.width); copy.setAttribute("height", box.height); }
    // Text styles live in the page's CSS; inline the few that matter for a standalone file.
    var style = document.createElementNS("http://www.w3.org/2000/svg", "style");
    style.textContent = "text{font:12px system-ui,sans-serif;fill:#1c2430}.tick{fill:#5d6b7c}";
    copy.insertBefore(style, copy.firstChild);
    return new XMLSerializer().serializeToString(copy);
  }

  function png(svg, name) {
    var text = svgText(svg);
    var box = svg.viewBox.baseVal;
    var scale = 2; // crisp on slides and in print
    var img = new Image();
    img.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = box.width * scale;
      canvas.height = box.height * scale;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { save(blob, name); }, "image/png");
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  }

  function csvCell(text) {
    var t = text.replace(/\s+/g, " ").trim();
    if (/^[=+\-@\t\r]/.test(t) && !/^-?\d/.test(t)) t = "'" + t; // no formulas in a spreadsheet
    return /[",;\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }

  function csv(table) {
    var lines = [];
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = [];
      tr.querySelectorAll("th,td").forEach(function (c) { cells.push(csvCell(c.textContent)); });
      lines.push(cells.join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n"; // BOM: Excel opens Cyrillic as UTF-8
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link small";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function bar(after, buttons) {
    var div = document.createElement("div");
    div.className = "downloads no-print";
    buttons.forEach(function (b) { div.appendChild(b); });
    after.insertAdjacentElement("afterend", div);
  }

  document.querySelectorAll("main svg.chart").forEach(function (svg, i) {
    var name = base + "-" + (i + 1);
    bar(svg, [
      button(L.svg || "SVG", function () {
        save(new Blob([svgText(svg)], { type: "image/svg+xml" }), name + ".svg");
      }),
      button(L.png || "PNG", function () { png(svg, name + ".png"); }),
    ]);
  });
  document.querySelectorAll("main table").forEach(function (table, i) {
    if (table.closest("form") || table.rows.length < 2) return;
    bar(table, [
      button(L.csv || "CSV", function () {
        save(new Blob([csv(table)], { type: "text/csv;charset=utf-8" }), base + "-table-" + (i + 1) + ".csv");
      }),
    ]);
  });
})();
