/*! cxray survey widget: one script tag, no framework.
 * <script src="https://HOST/static/cxray/widget.js" data-survey="TOKEN"
 *         data-trigger="after:5s|exit|event:checkout" async></script>
 * Optional: data-lang="uk", data-tp/unit/emp (codes), data-customer (id), data-host (server).
 * Colours: override --cxw-accent, --cxw-bg, --cxw-text, --cxw-muted, --cxw-border on :root.
 * Open it yourself: window.dispatchEvent(new Event("checkout")) with data-trigger="event:checkout",
 * or call window.cxraySurvey.open().
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.getAttribute("data-survey")) return;
  var d = document, w = window, ds = script.dataset;
  var token = ds.survey;
  // The server that serves this file, unless data-host names it (a CDN copy, another STATIC_URL).
  var base = (ds.host || script.src.replace(/\/static\/cxray\/widget[^/]*\.js.*$/, "")).replace(/\/$/, "");
  var endpoint = base + "/s/" + encodeURIComponent(token) + "/widget";
  var seenKey = "cxray-widget-" + token;
  var opened = false, root = null, lastFocus = null;

  function seen() {
    try { return !!w.localStorage.getItem(seenKey); } catch (e) { return false; }
  }
  function remember() {
    try { w.localStorage.setItem(seenKey, String(Date.now())); } catch (e) { /* private mode */ }
  }
  function el(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  var CSS =
    ".cxw{--a:var(--cxw-accent,#1f5fbf);--b:var(--cxw-bg,#fff);--t:var(--cxw-text,#1c2430);" +
    "--m:var(--cxw-muted,#4f5d6e);--l:var(--cxw-border,#c9d1db);position:fixed;z-index:2147483000;" +
    "right:16px;bottom:16px;max-width:min(420px,calc(100vw - 32px));background:var(--b);color:var(--t);" +
    "border:1px solid var(--l);border-radius:12px;box-shadow:0 8px 28px rgba(0,0,0,.18);" +
    "padding:16px;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".cxw *{box-sizing:border-box}.cxw h2{font-size:16px;margin:0 28px 10px 0;font-weight:600}" +
    ".cxw .cxw-s{display:flex;flex-wrap:wrap;gap:4px}" +
    ".cxw .cxw-s button{min-width:34px;height:34px;border:1px solid var(--l);border-radius:6px;" +
    "background:var(--b);color:var(--t);font:inherit;font-weight:600;cursor:pointer;padding:0 4px}" +
    ".cxw .cxw-s button[aria-pressed=true]{background:var(--a);border-color:var(--a);color:#fff}" +
    ".cxw button:focus-visible,.cxw textarea:focus-visible{outline:3px solid #f0b400;outline-offset:2px}" +
    ".cxw .cxw-e{display:flex;justify-content:space-between;color:var(--m);font-size:12px;margin:4px 0 8px}" +
    ".cxw label,.cxw .cxw-l{display:block;font-size:13px;margin:8px 0 4px}" +
    ".cxw textarea{width:100%;min-height:56px;font:inherit;border:1px solid var(--l);border-radius:6px;padding:6px;" +
    "background:var(--b);color:var(--t)}" +
    ".cxw .cxw-go{margin-top:10px;width:100%;padding:9px;border:0;border-radius:6px;background:var(--a);" +
    "color:#fff;font:inherit;font-weight:600;cursor:pointer}.cxw .cxw-go[disabled]{opacity:.6}" +
    ".cxw .cxw-x{position:absolute;top:8px;right:8px;width:32px;height:32px;border:0;background:none;" +
    "color:var(--m);font-size:20px;cursor:pointer}.cxw .cxw-r{color:#a3321a;font-size:13px;margin:6px 0 0}" +
    ".cxw .cxw-h{position:absolute;left:-9999px}";

  function close() {
    if (!root) return;
    root.parentNode && root.parentNode.removeChild(root);
    root = null;
    d.removeEventListener("keydown", onKey, true);
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }
  function onKey(e) {
    if (e.key === "Escape" || e.key === "Esc") { e.stopPropagation(); close(); }
  }

  function render(t) {
    if (!d.getElementById("cxw-css")) {
      var st = el("style", { id: "cxw-css" });
      st.textContent = CSS;
      d.head.appendChild(st);
    }
    lastFocus = d.activeElement;
    root = el("div", { "class": "cxw", role: "dialog", "aria-modal": "false", "aria-labelledby": "cxw-q", lang: t.lang });
    var x = el("button", { type: "button", "class": "cxw-x", "aria-label": t.close }, "\u00d7");
    x.onclick = close;
    var form = el("form", { novalidate: "" });
    var q = el("h2", { id: "cxw-q" }, t.question);
    var score = null, rival = null;
    var fuWrap = el("div");
    // A row of score buttons (one pressed at a time) labelled by element `by`; `extra` adds
    // a last button worth null ("I don't know them").
    function row(by, pick, extra) {
      var g = el("div", { "class": "cxw-s", role: "group", "aria-labelledby": by }), bs = [];
      function add(v, text, label) {
        var b = el("button", { type: "button", "aria-pressed": "false", "aria-label": label }, text);
        b.onclick = function () {
          for (var j = 0; j < bs.length; j++) bs[j].setAttribute("aria-pressed", bs[j] === b ? "true" : "false");
          pick(v);
        };
        bs.push(b);
        g.appendChild(b);
      }
      for (var i = t.low; i <= t.high; i++) {
        add(i, String(i), i + (i === t.low ? " \u2014 " + t.low_label : i === t.high ? " \u2014 " + t.high_label : ""));
      }
      if (extra) add(null, extra, extra);
      return { g: g, bs: bs };
    }
    var main = row("cxw-q", function (v) { score = v; fuWrap.hidden = v === t.high; });
    var scale = main.g, buttons = main.bs;
    var ends = el("div", { "class": "cxw-e", "aria-hidden": "true" });
    ends.appendChild(el("span", {}, t.low + " \u2014 " + t.low_label));
    ends.appendChild(el("span", {}, t.high + " \u2014 " + t.high_label));
    fuWrap.appendChild(el("label", { "for": "cxw-fu" }, t.follow_up));
    var fu = el("textarea", { id: "cxw-fu", maxlength: "5000" });
    fuWrap.appendChild(fu);
    // Asked only when the survey rates a competitor as well; optional, like on the public page.
    var cq = null;
    if (t.competitor_question) {
      cq = el("div");
      cq.appendChild(el("p", { id: "cxw-cq", "class": "cxw-l" }, t.competitor_question));
      cq.appendChild(row("cxw-cq", function (v) { rival = v; }, t.dont_know).g);
    }
    var cl = el("label", { "for": "cxw-c" }, t.comment);
    var comment = el("textarea", { id: "cxw-c", maxlength: "5000" });
    var hp = el("input", { name: "website", tabindex: "-1", autocomplete: "off", "class": "cxw-h", "aria-hidden": "true" });
    var err = el("p", { "class": "cxw-r", role: "alert" });
    var go = el("button", { type: "submit", "class": "cxw-go" }, t.send);
    form.appendChild(q); form.appendChild(scale); form.appendChild(ends); form.appendChild(fuWrap);
    if (cq) form.appendChild(cq);
    form.appendChild(cl); form.appendChild(comment); form.appendChild(hp); form.appendChild(err); form.appendChild(go);
    form.onsubmit = function (e) {
      e.preventDefault();
      if (go.disabled) return;
      go.disabled = true;
      err.textContent = "";
      var body = {
        score: score, comment: comment.value, follow_up: score === t.high ? "" : fu.value,
        key: t.key, lang: t.lang, website: hp.value, competitor_score: rival,
        tp: ds.tp || "", unit: ds.unit || "", emp: ds.emp || "", c: ds.customer || ""
      };
      // text/plain: a "simple" request, no CORS preflight; the endpoint reads JSON anyway.
      fetch(endpoint, { method: "POST", headers: { "Content-Type": "text/plain" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
        .then(function (res) {
          if (!res.ok) { err.textContent = res.j.error || ""; go.disabled = false; return; }
          remember();
          form.textContent = "";
          var done = el("p", { role: "status", tabindex: "-1" }, t.thanks);
          form.appendChild(done);
          done.focus();
          setTimeout(close, 2500);
        })["catch"](function () { go.disabled = false; });
    };
    root.appendChild(x);
    root.appendChild(form);
    d.body.appendChild(root);
    d.addEventListener("keydown", onKey, true);
    if (buttons[0]) buttons[0].focus();
  }

  function open() {
    if (opened) return;
    opened = true;
    var lang = ds.lang || (d.documentElement.lang || "").slice(0, 2);
    fetch(endpoint + (lang ? "?lang=" + encodeURIComponent(lang) : ""))
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(render)["catch"](function () { opened = false; });
  }

  w.cxraySurvey = { open: open, close: close };
  if (seen()) return;
  var trigger = ds.trigger || "after:5s", m;
  if ((m = /^after:(\d+)(ms|s)?$/.exec(trigger))) {
    setTimeout(open, +m[1] * (m[2] === "ms" ? 1 : 1000));
  } else if (trigger === "exit") {
    d.addEventListener("mouseout", function h(e) {
      if (!e.relatedTarget && e.clientY <= 0) { d.removeEventListener("mouseout", h); open(); }
    });
  } else if ((m = /^event:(.+)$/.exec(trigger))) {
    w.addEventListener(m[1], open, { once: true });
  }
})();
