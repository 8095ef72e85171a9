/*! proofstream widget: live social-proof popups for Shopify storefronts.
 * Include once: <script async src="https://GATEWAY/widget.js" data-shop="x.myshopify.com"></script>
 * Optional data-api="https://GATEWAY" overrides the base URL. With data-preview the widget
 * opens no stream: it shows what its parent window posts (the settings page's live preview).
 * Dependency-free ES2017. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[data-shop][src*="widget.js"]');
  if (!script || !script.dataset.shop || window.__proofstream) return;
  var shopName = script.dataset.shop.trim(), shop = encodeURIComponent(shopName);
  var preview = script.hasAttribute("data-preview");
  var base = script.dataset.api;
  if (!base) {
    var u = new URL(script.src, location.href);
    base = u.origin + u.pathname.replace(/\/[^/]*$/, "");
  }
  base = base.replace(/\/+$/, "") + "/v1/storefront/" + shop;
  // The app embed passes the shop's widget key; the gateway refuses a wrong one.
  var query = script.dataset.key ? "?key=" + encodeURIComponent(script.dataset.key) : "";
  var state = window.__proofstream = { shown: [] };
  // WidgetConfig's defaults (schemas/settings.py): used for anything missing or malformed.
  var DEFAULTS = {
    enabled: true, locale: "en", position_desktop: "bottom-left", position_mobile: "bottom",
    background_color: "#ffffff", text_color: "#1a1a1a", accent_color: "#005fcc",
    corner_radius: 8, font_family: null, show_image: true, link_to_product: true,
    first_delay_ms: 2000, gap_ms: 4000, display_ms: 6000, max_per_page: 10,
    max_per_session: 30, include_paths: [], exclude_paths: []
  };
  var CHOICES = {
    locale: ["en", "fr", "de", "es"], position_mobile: ["bottom", "top"],
    position_desktop: ["bottom-left", "bottom-right", "top-left", "top-right"]
  };
  var DISMISS = { en: "Dismiss notification", fr: "Fermer la notification",
    de: "Benachrichtigung schließen", es: "Cerrar la notificación" };
  var SESSION_KEY = "proofstream:" + shopName + ":shown";
  var still = matchMedia("(prefers-reduced-motion: reduce)");
  var cfg = DEFAULTS, seen = new Set(), queue = [], busy = false, es = null, root, host;
  var onScreen = null;  // {id, done} of the popup shown now

  var CSS = ":host{all:initial;font-family:inherit}" +
    ".ps-popup{position:fixed;z-index:2147483000;box-sizing:border-box;display:flex;align-items:center;gap:12px;" +
    "max-width:360px;margin:0;padding:12px 36px 12px 12px;background:var(--ps-bg);color:var(--ps-fg);" +
    "border-radius:var(--ps-radius);box-shadow:0 4px 16px rgba(0,0,0,.18),0 0 0 1px rgba(0,0,0,.06);" +
    "font-family:inherit;font-size:14px;line-height:1.4;" +
    "opacity:0;transform:translateY(8px);transition:opacity .25s ease,transform .25s ease}" +
    ".ps-popup.ps-in{opacity:1;transform:none}" +
    ".bottom-left{bottom:16px;left:16px}.bottom-right{bottom:16px;right:16px}" +
    ".top-left{top:16px;left:16px}.top-right{top:16px;right:16px}" +
    ".ps-img{flex:none;width:48px;height:48px;border-radius:6px;object-fit:cover;background:#f2f2f2}" +
    ".ps-body{min-width:0}.ps-text{display:block;margin:0;color:inherit;font-weight:600;overflow-wrap:anywhere}" +
    "a.ps-text{color:var(--ps-accent);text-decoration:none}a.ps-text:hover{text-decoration:underline}" +
    ".ps-time{display:block;margin-top:2px;font-size:12px;opacity:.75}" +
    ".ps-close{position:absolute;top:4px;right:4px;width:28px;height:28px;padding:0;border:0;border-radius:4px;" +
    "background:transparent;color:inherit;font-family:inherit;font-size:20px;line-height:1;cursor:pointer}" +
    ".ps-close:hover{background:rgba(128,128,128,.18)}" +
    "a.ps-text:focus-visible,.ps-close:focus-visible{outline:2px solid var(--ps-accent);outline-offset:2px}" +
    "@media (max-width:479px){.ps-popup{left:16px;right:16px;max-width:none}" +
    ".m-bottom{top:auto;bottom:16px}.m-top{top:16px;bottom:auto}}" +
    "@media (prefers-reduced-motion:reduce){.ps-popup{transition:none;transform:none}}";

  function el(tag, cls) { var e = document.createElement(tag); if (cls) e.className = cls; return e; }

  // Only http(s) URLs may become href/src: a hostile "javascript:" link must not run.
  function safeUrl(v) {
    try {
      var u = new URL(v, location.href);
      return /^https?:$/.test(u.protocol) ? u.href : null;
    } catch (e) { return null; }
  }

  // Any raw config (fetched or posted) -> a complete one; bad values fall back to defaults.
  function normalize(c) {
    c = c && typeof c === "object" ? c : {};
    var out = {};
    Object.keys(DEFAULTS).forEach(function (k) {
      var d = DEFAULTS[k], v = c[k], ok = typeof v === typeof d;
      if (CHOICES[k]) ok = CHOICES[k].indexOf(v) >= 0;
      else if (/_color$/.test(k)) ok = /^#[0-9a-f]{6}$/i.test(v);
      else if (typeof d === "number") ok = typeof v === "number" && isFinite(v) && v >= 0;
      else if (Array.isArray(d)) ok = Array.isArray(v);
      else if (k === "font_family") ok = typeof v === "string" && v.trim() !== "";
      out[k] = ok ? v : d;
    });
    return out;
  }

  // Glob on location.pathname: "*" matches any run of characters; exclude wins.
  function matches(patterns) {
    return patterns.some(function (p) {
      var rx = String(p).split("*").map(function (s) {
        return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
      }).join(".*");
      return new RegExp("^" + rx + "$").test(location.pathname);
    });
  }

  function sessionCount(add) {
    try {
      var n = parseInt(sessionStorage.getItem(SESSION_KEY), 10) || 0;
      if (add) sessionStorage.setItem(SESSION_KEY, String(n += add));
      return n;
    } catch (e) { return state.shown.length; }  // storage blocked: count this page only
  }

  function ago(iso, locale) {
    var t = Date.parse(iso);
    if (isNaN(t) || typeof Intl !== "object" || !Intl.RelativeTimeFormat) return "";
    var s = Math.max(0, (Date.now() - t) / 1000), rtf;
    try { rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" }); }
    catch (e) { rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }); }
    if (s < 60) return rtf.format(0, "second");
    if (s < 3600) return rtf.format(-Math.floor(s / 60), "minute");
    if (s < 86400) return rtf.format(-Math.floor(s / 3600), "hour");
    return rtf.format(-Math.floor(s / 86400), "day");
  }

  // The one renderer, for live popups and the preview alike.
  function render(n, c) {
    var pop = el("div", "ps-popup " + c.position_desktop + " m-" + c.position_mobile);
    pop.setAttribute("part", "popup"); pop.setAttribute("role", "status"); pop.setAttribute("aria-live", "polite");
    pop.lang = c.locale;
    var vars = { bg: c.background_color, fg: c.text_color, accent: c.accent_color,
      radius: Math.min(c.corner_radius, 32) + "px" };
    for (var k in vars) pop.style.setProperty("--ps-" + k, vars[k]);
    if (c.font_family) pop.style.fontFamily = c.font_family;  // else the storefront's font
    var img = c.show_image && n.product_image && safeUrl(n.product_image);
    if (img) {
      var im = el("img", "ps-img");
      im.alt = ""; im.width = 48; im.height = 48; im.loading = "lazy"; im.src = img;
      im.onerror = function () { im.remove(); };
      pop.appendChild(im);
    }
    var body = el("div", "ps-body");
    var href = c.link_to_product && n.product_url && safeUrl(n.product_url);
    var text = el(href ? "a" : "p", "ps-text");
    if (href) text.href = href;
    text.textContent = String(n.text == null ? "" : n.text);
    var time = el("span", "ps-time");
    time.textContent = ago(n.occurred_at, c.locale);
    body.append(text, time);
    var close = el("button", "ps-close"); close.type = "button";
    close.setAttribute("aria-label", DISMISS[c.locale]);
    close.textContent = "\u00d7";
    pop.append(body, close);
    return pop;
  }

  function mount() {
    host = el("div"); host.id = "proofstream-root";
    root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style")).textContent = CSS;
    document.body.appendChild(host);
  }

  function limitReached() {
    return state.shown.length >= cfg.max_per_page || sessionCount(0) >= cfg.max_per_session;
  }

  function next() {
    if (busy || !queue.length) return;
    if (limitReached()) { queue.length = 0; return; }
    var n = queue.shift(), pop = render(n, cfg), live = true, timer;
    pop.setAttribute("data-id", n.id);
    busy = true;
    state.shown.push(n.id);
    sessionCount(1);
    root.appendChild(pop);
    requestAnimationFrame(function () { requestAnimationFrame(function () { pop.classList.add("ps-in"); }); });
    function done(fadeMs) {
      if (!live) return;
      live = false;
      onScreen = null;
      clearTimeout(timer);
      pop.classList.remove("ps-in");
      function gone() {
        pop.remove();
        setTimeout(function () { busy = false; next(); }, cfg.gap_ms);
      }
      if (fadeMs) setTimeout(gone, fadeMs); else gone();
    }
    onScreen = { id: n.id, done: done };
    pop.querySelector(".ps-close").onclick = function () { done(0); };
    timer = setTimeout(function () { done(still.matches ? 0 : 260); }, cfg.display_ms);
    if (limitReached() && es) es.close();
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

  // The order was cancelled or refunded, or the merchant hid it: take it down, never show it.
  function onRetract(ev) {
    var r;
    try { r = JSON.parse(ev.data); } catch (e) { return; }
    if (!r || !r.id) return;
    seen.add(r.id);
    queue = queue.filter(function (n) { return n.id !== r.id; });
    if (onScreen && onScreen.id === r.id) onScreen.done(0);
  }

  function startLive() {
    if (!cfg.enabled || limitReached() || document.getElementById("proofstream-root")) return;
    if (cfg.include_paths.length && !matches(cfg.include_paths)) return;
    if (matches(cfg.exclude_paths)) return;
    mount();
    busy = true;  // nothing before first_delay_ms
    setTimeout(function () { busy = false; next(); }, cfg.first_delay_ms);
    es = new EventSource(base + "/stream" + query);
    // The server sends "ready" once this client's subscription is live (tests wait for it).
    es.addEventListener("ready", function () { host.setAttribute("data-state", "ready"); });
    es.addEventListener("notification", onNotification);
    es.addEventListener("retract", onRetract);
    // The shop uninstalled the app: stop for good instead of reconnecting.
    es.addEventListener("goodbye", function () { es.close(); host.setAttribute("data-state", "closed"); });
  }

  function startPreview() {
    mount();
    window.addEventListener("message", function (ev) {
      var d = ev.data;
      if (ev.source !== window.parent || ev.origin !== location.origin) return;
      if (!d || d.type !== "proofstream:preview" || !d.notification) return;
      var old = root.querySelector(".ps-popup"), pop = render(d.notification, normalize(d.config));
      pop.classList.add("ps-in");  // shown until replaced: no timers, limits or path rules
      pop.querySelector(".ps-close").onclick = function () { pop.remove(); };
      if (old) old.replaceWith(pop); else root.appendChild(pop);
      state.shown.push(d.notification.id);
    });
    host.setAttribute("data-state", "ready");
  }

  function whenBody(fn) { if (document.body) fn(); else document.addEventListener("DOMContentLoaded", fn); }

  if (preview) { whenBody(startPreview); return; }
  // 404: the shop never installed the app (or the key is wrong); 410: it uninstalled it.
  fetch(base + "/config" + query, { credentials: "omit" })
    .then(function (r) { return r.status === 404 || r.status === 410 ? null : r.ok ? r.json() : {}; })
    .catch(function () { return {}; })
    .then(function (c) { if (c) { cfg = normalize(c); whenBody(startLive); } });
})();
