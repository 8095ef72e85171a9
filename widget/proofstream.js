/*! proofstream widget: live social-proof popups for Shopify storefronts.
 * Include once: <script async src="https://GATEWAY/widget.js" data-shop="x.myshopify.com"></script>
 * Optional data-api="https://GATEWAY" overrides the base URL. Dependency-free ES2017. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[data-shop][src*="widget.js"]');
  if (!script || !script.dataset.shop || window.__proofstream) return;
  var shop = encodeURIComponent(script.dataset.shop.trim());
  var base = script.dataset.api;
  if (!base) {
    var u = new URL(script.src, location.href);
    base = u.origin + u.pathname.replace(/\/[^/]*$/, "");
  }
  base = base.replace(/\/+$/, "") + "/v1/storefront/" + shop;
  var state = window.__proofstream = { shown: [] };
  var cfg = { enabled: true, position: "bottom-left", display_ms: 6000, gap_ms: 1500, max_per_page: 20 };
  var POSITIONS = ["bottom-left", "bottom-right", "top-left", "top-right"];
  var still = matchMedia("(prefers-reduced-motion: reduce)");
  var seen = new Set(), queue = [], busy = false, es = null, root, host;

  var CSS = ":host{all:initial}" +
    ".ps-popup{position:fixed;z-index:2147483000;box-sizing:border-box;display:flex;align-items:center;gap:12px;" +
    "max-width:360px;margin:0;padding:12px 36px 12px 12px;background:#fff;color:#1a1a1a;border-radius:8px;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.18),0 0 0 1px rgba(0,0,0,.06);" +
    "font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;" +
    "opacity:0;transform:translateY(8px);transition:opacity .25s ease,transform .25s ease}" +
    ".ps-popup.ps-in{opacity:1;transform:none}" +
    ".bottom-left{bottom:16px;left:16px}.bottom-right{bottom:16px;right:16px}" +
    ".top-left{top:16px;left:16px}.top-right{top:16px;right:16px}" +
    ".ps-img{flex:none;width:48px;height:48px;border-radius:6px;object-fit:cover;background:#f2f2f2}" +
    ".ps-body{min-width:0}.ps-text{display:block;margin:0;color:#1a1a1a;font-weight:600;overflow-wrap:anywhere}" +
    "a.ps-text{text-decoration:none}a.ps-text:hover{text-decoration:underline}" +
    ".ps-time{display:block;margin-top:2px;color:#555;font-size:12px}" +
    ".ps-close{position:absolute;top:4px;right:4px;width:28px;height:28px;padding:0;border:0;border-radius:4px;" +
    "background:transparent;color:#555;font-family:inherit;font-size:20px;line-height:1;cursor:pointer}" +
    ".ps-close:hover{background:#f0f0f0;color:#1a1a1a}" +
    "a.ps-text:focus-visible,.ps-close:focus-visible{outline:2px solid #005fcc;outline-offset:2px}" +
    "@media (max-width:479px){.ps-popup{top:auto;bottom:16px;left:16px;right:16px;max-width:none}}" +
    "@media (prefers-reduced-motion:reduce){.ps-popup{transition:none;transform:none}}";

  function el(tag, cls) { var e = document.createElement(tag); if (cls) e.className = cls; return e; }

  // Only http(s) URLs may become href/src: a hostile "javascript:" link must not run.
  function safeUrl(v) {
    try {
      var u = new URL(v, location.href);
      return /^https?:$/.test(u.protocol) ? u.href : null;
    } catch (e) { return null; }
  }

  function ago(iso) {
    var t = Date.parse(iso);
    if (isNaN(t) || typeof Intl !== "object" || !Intl.RelativeTimeFormat) return "";
    var s = Math.max(0, (Date.now() - t) / 1000), rtf;
    try { rtf = new Intl.RelativeTimeFormat(navigator.language, { numeric: "auto" }); }
    catch (e) { rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }); }
    if (s < 60) return rtf.format(0, "second");
    if (s < 3600) return rtf.format(-Math.floor(s / 60), "minute");
    if (s < 86400) return rtf.format(-Math.floor(s / 3600), "hour");
    return rtf.format(-Math.floor(s / 86400), "day");
  }

  function render(n) {
    var pop = el("div", "ps-popup " + cfg.position);
    pop.setAttribute("part", "popup");
    pop.setAttribute("role", "status");
    pop.setAttribute("aria-live", "polite");
    var img = n.product_image && safeUrl(n.product_image);
    if (img) {
      var im = el("img", "ps-img");
      im.alt = ""; im.width = 48; im.height = 48; im.loading = "lazy"; im.src = img;
      im.onerror = function () { im.remove(); };
      pop.appendChild(im);
    }
    var body = el("div", "ps-body"), href = n.product_url && safeUrl(n.product_url);
    var text = el(href ? "a" : "p", "ps-text");
    if (href) text.href = href;
    text.textContent = String(n.text == null ? "" : n.text);
    var time = el("span", "ps-time");
    time.textContent = ago(n.occurred_at);
    body.append(text, time);
    var close = el("button", "ps-close"); close.type = "button";
    close.setAttribute("aria-label", "Dismiss notification");
    close.textContent = "\u00d7";
    pop.append(body, close);
    return pop;
  }

  function next() {
    if (busy || !queue.length) return;
    if (state.shown.length >= cfg.max_per_page) { queue.length = 0; return; }
    var n = queue.shift(), pop = render(n), live = true, timer;
    busy = true;
    state.shown.push(n.id);
    root.appendChild(pop);
    requestAnimationFrame(function () { requestAnimationFrame(function () { pop.classList.add("ps-in"); }); });
    function done(fadeMs) {
      if (!live) return;
      live = false;
      clearTimeout(timer);
      pop.classList.remove("ps-in");
      function gone() {
        pop.remove();
        setTimeout(function () { busy = false; next(); }, cfg.gap_ms);
      }
      if (fadeMs) setTimeout(gone, fadeMs); else gone();
    }
    pop.querySelector(".ps-close").onclick = function () { done(0); };
    timer = setTimeout(function () { done(still.matches ? 0 : 260); }, cfg.display_ms);
    if (state.shown.length >= cfg.max_per_page && es) es.close();
  }

  function onNotification(ev) {
    var n;
    try { n = JSON.parse(ev.data); } catch (e) { return; }
    if (!n || typeof n !== "object" || !n.id || seen.has(n.id)) return;
    if (state.shown.length + queue.length >= cfg.max_per_page) return;
    seen.add(n.id);
    queue.push(n);
    next();
  }

  function start() {
    if (!cfg.enabled || cfg.max_per_page < 1 || document.getElementById("proofstream-root")) return;
    host = el("div"); host.id = "proofstream-root";
    root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style")).textContent = CSS;
    document.body.appendChild(host);
    es = new EventSource(base + "/stream");
    // The server sends "ready" once this client's subscription is live (tests wait for it).
    es.addEventListener("ready", function () { host.setAttribute("data-state", "ready"); });
    es.addEventListener("notification", onNotification);
  }

  function num(v, d) { return typeof v === "number" && isFinite(v) && v >= 0 ? v : d; }

  fetch(base + "/config", { credentials: "omit" })
    .then(function (r) { return r.ok ? r.json() : {}; })
    .catch(function () { return {}; })
    .then(function (c) {
      c = c && typeof c === "object" ? c : {};
      if (c.enabled === false) cfg.enabled = false;
      if (POSITIONS.indexOf(c.position) >= 0) cfg.position = c.position;
      cfg.display_ms = num(c.display_ms, cfg.display_ms);
      cfg.gap_ms = num(c.gap_ms, cfg.gap_ms);
      cfg.max_per_page = Math.floor(num(c.max_per_page, cfg.max_per_page));
      if (document.body) start();
      else document.addEventListener("DOMContentLoaded", start);
    });
})();
