/*! proofstream widget: live social-proof popups for Shopify storefronts.
 * Loaded by the app embed's loader once the page has loaded, or directly:
 * <script async src="https://GATEWAY/widget.js" data-shop="x.myshopify.com"></script>
 * Optional data-api="https://GATEWAY" overrides the base URL.
 * Built twice by widget/build.mjs (esbuild), which defines PREVIEW: false for storefronts;
 * true for the dashboard's live preview, which opens no stream and shows what its parent
 * window posts. Dependency-free ES2017. */
(function () {
  "use strict";
  var script = document.currentScript;  // a classic script: always set while it runs
  if (!script || !script.dataset.shop || window.__proofstream) return;
  var shopName = script.dataset.shop.trim(), shop = encodeURIComponent(shopName);
  var base = script.dataset.api;
  if (!base) {
    var u = new URL(script.src, location.href);
    base = u.origin + u.pathname.replace(/\/[^/]*$/, "");
  }
  base = base.replace(/\/+$/, "") + "/v1/storefront/" + shop;
  // The app embed passes the shop's widget key; the gateway refuses a wrong one.
  var query = script.dataset.key ? "?key=" + encodeURIComponent(script.dataset.key) : "";
  var state = window.__proofstream = { shown: [] };
  // The close button: its name (what "×" means), and what it does.
  var CLOSE = { en: ["Close", "No more notifications during this visit"],
    fr: ["Fermer", "Plus de notifications pendant cette visite"],
    de: ["Schließen", "Keine weiteren Benachrichtigungen bei diesem Besuch"],
    es: ["Cerrar", "No más notificaciones durante esta visita"] };
  var KEY = "proofstream:" + shopName + ":";  // sessionStorage: shown count, off
  var still = matchMedia("(prefers-reduced-motion: reduce)");
  var cfg, seen = new Set(), queue = [], busy = false, root, host, region;
  var onScreen = null;  // {id, done} of the popup shown now
  // lastId: the stream id of the last notification received; across the pages of a visit,
  // of the last one shown (so the next page replays what this one did not show).
  var stream = null, lastId = remember("last"), failures = 0, stopped = false;
  // One stream per browser and shop: the store's tabs elect a leader (Web Locks) that holds
  // it and passes each event on (BroadcastChannel); when the leader goes, another tab takes
  // over from the last id it saw, so nothing is missed or shown twice.
  var bus = window.BroadcastChannel && navigator.locks && new BroadcastChannel(KEY + "bus");
  var leading = false, release, recent = [];  // the leader's last notifications, for newcomers

  function newer(id) {  // a stream id ("ms-seq") after lastId
    var a = id.split("-"), b = (lastId || "0-0").split("-");
    return +a[0] > +b[0] || +a[0] === +b[0] && +a[1] > +b[1];
  }

  // Sizes in rem/em follow the shopper's font size; max() keeps them readable and the close
  // button >= 24 px on themes that shrink the root font (html{font-size:62.5%}).
  var CSS = ":host{all:initial;font-family:inherit}" +
    ".ps-popup{position:fixed;z-index:2147483000;box-sizing:border-box;display:flex;align-items:center;gap:.75em;" +
    "max-width:max(360px,24em);margin:0;padding:.75em 2.5em .75em .75em;background:var(--ps-bg);color:var(--ps-fg);" +
    "border-radius:var(--ps-radius);box-shadow:0 4px 16px #0003,0 0 0 1px #0000000f;" +
    "font-family:inherit;font-size:max(14px,.875rem);line-height:1.4;" +
    "opacity:0;transform:translateY(8px);transition:.25s}" +
    ".ps-popup.ps-in{opacity:1;transform:none}" +
    ".bottom-left{bottom:16px;left:16px}.bottom-right{bottom:16px;right:16px}" +
    ".top-left{top:16px;left:16px}.top-right{top:16px;right:16px}" +
    ".ps-img{flex:none;width:3.5em;height:3.5em;border-radius:6px;object-fit:cover;background:#f2f2f2}" +
    ".ps-body{min-width:0}.ps-text{display:block;margin:0;color:inherit;font-weight:600;overflow-wrap:anywhere}" +
    "a.ps-text{color:var(--ps-accent);text-decoration:none}a.ps-text:hover{text-decoration:underline}" +
    ".ps-time{display:block;margin-top:2px;font-size:.85em;opacity:.75}" +
    ".ps-close{position:absolute;top:4px;right:4px;width:max(24px,2em);height:max(24px,2em);padding:0;border:0;" +
    "border-radius:4px;background:transparent;color:inherit;font-family:inherit;font-size:1.4em;line-height:1;cursor:pointer}" +
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

  // Glob on location.pathname: "*" matches any run of characters; exclude wins.
  function matches(patterns) {
    return patterns.some(function (p) {
      var rx = String(p).split("*").map(function (s) {
        return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
      }).join(".*");
      return new RegExp("^" + rx + "$").test(location.pathname);
    });
  }

  // This visit's memory (sessionStorage); where storage is blocked, this page's.
  function remember(name, value) {
    try {
      if (value != null) sessionStorage.setItem(KEY + name, String(value));
      return sessionStorage.getItem(KEY + name);
    } catch (e) { return name === "shown" ? String(state.shown.length) : state[name]; }
  }

  function ago(iso, locale) {
    var t = Date.parse(iso);
    if (isNaN(t) || !window.Intl || !Intl.RelativeTimeFormat) return "";
    var s = Math.max(0, (Date.now() - t) / 1000), rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    if (s < 60) return rtf.format(0, "second");
    if (s < 3600) return rtf.format(-Math.floor(s / 60), "minute");
    if (s < 86400) return rtf.format(-Math.floor(s / 3600), "hour");
    return rtf.format(-Math.floor(s / 86400), "day");
  }

  // The one renderer, for live popups and the preview alike.
  function render(n, c) {
    var pop = el("div", "ps-popup " + c.position_desktop + " m-" + c.position_mobile);
    pop.setAttribute("part", "popup");
    pop.lang = c.locale;
    var vars = { bg: c.background_color, fg: c.text_color, accent: c.accent_color,
      radius: Math.min(c.corner_radius, 32) + "px" };
    for (var k in vars) pop.style.setProperty("--ps-" + k, vars[k]);
    if (c.font_family) pop.style.fontFamily = c.font_family;  // else the storefront's font
    var img = c.show_image && n.product_image && safeUrl(n.product_image);
    if (img) {
      var im = el("img", "ps-img");
      im.alt = ""; im.loading = "lazy"; im.src = img;  // sized by the stylesheet
      im.onerror = function () { im.remove(); };
      pop.appendChild(im);
    }
    var body = el("div", "ps-body");
    var href = c.link_to_product && n.product_url && safeUrl(n.product_url);
    var text = el(href ? "a" : "p", "ps-text");
    if (href) text.href = href;
    text.textContent = n.text || "";
    var time = el("span", "ps-time");
    time.textContent = ago(n.occurred_at, c.locale);
    body.append(text, time);
    var close = el("button", "ps-close"), words = CLOSE[c.locale] || CLOSE.en;
    close.type = "button";
    close.setAttribute("aria-label", words[0]);
    close.title = words[1];
    close.textContent = "\u00d7";
    pop.append(body, close);
    return pop;
  }

  // One live region, present (empty) before the first popup: screen readers announce what
  // is written into it, politely.
  function mount() {
    host = el("div"); host.id = "proofstream-root";
    root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style")).textContent = CSS;
    region = root.appendChild(el("div"));
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.appendChild(host);
  }

  function limitReached() {
    return state.shown.length >= cfg.max_per_page ||
      (parseInt(remember("shown"), 10) || 0) >= cfg.max_per_session;
  }

  function next() {
    if (busy || !queue.length || stopped) return;
    if (limitReached()) { queue.length = 0; return; }
    var n = queue.shift(), pop = render(n, cfg), live = true, timer, left = cfg.display_ms;
    var since, holds = 0, back = null;  // hover (1) and focus (2) hold the timer
    var tracked = {};  // each kind of event once per popup shown
    function once(type) { if (!tracked[type]) track(n, tracked[type] = type); }
    pop.setAttribute("data-id", n.id);
    busy = true;
    state.shown.push(n.id);
    remember("shown", (parseInt(remember("shown"), 10) || 0) + 1);
    if (n.sid) remember("last", n.sid);
    region.appendChild(pop);
    requestAnimationFrame(function () { requestAnimationFrame(function () { pop.classList.add("ps-in"); }); });
    function run() { since = Date.now(); timer = setTimeout(function () { done(still.matches ? 0 : 260); }, left); }
    function hold(bit, on) {
      var was = holds;
      holds = on ? holds | bit : holds & ~bit;
      if (!was && holds) { clearTimeout(timer); left = Math.max(1000, left - (Date.now() - since)); }
      else if (was && !holds && live) run();
    }
    function done(fadeMs) {
      if (!live) return;
      live = false;
      onScreen = null;
      clearTimeout(timer);
      // Focus is never moved in; if the shopper had it in the popup, give it back.
      var focused = root.activeElement && pop.contains(root.activeElement);
      pop.classList.remove("ps-in");
      function gone() {
        pop.remove();
        if (focused && back && back.isConnected) back.focus();
        setTimeout(function () { busy = false; next(); }, cfg.gap_ms);
      }
      if (fadeMs) setTimeout(gone, fadeMs); else gone();
    }
    pop.addEventListener("mouseenter", function () { once("hover"); hold(1, true); });
    pop.addEventListener("mouseleave", function () { hold(1, false); });
    pop.addEventListener("focusin", function (e) { if (!(holds & 2)) back = e.relatedTarget; hold(2, true); });
    pop.addEventListener("focusout", function (e) { if (!pop.contains(e.relatedTarget)) hold(2, false); });
    var link = pop.querySelector("a");
    if (link) link.onclick = function () { once("click"); };
    // An impression: on screen a second, on a page the shopper sees.
    setTimeout(function () { if (live && document.visibilityState === "visible") once("impression"); }, 1000);
    onScreen = { id: n.id, done: done };
    pop.querySelector(".ps-close").onclick = function () { offForVisit(); done(0); };
    run();
    if (limitReached()) stop();
  }

  // What the shopper did with a popup, for the merchant's dashboard; only where their
  // consent allows analytics (Shopify's Customer Privacy API; where it is absent, as on the
  // demo page, allowed). Plain text: a simple request, no CORS preflight.
  function track(n, type) {
    var privacy = window.Shopify && Shopify.customerPrivacy;
    if (privacy && privacy.analyticsProcessingAllowed && !privacy.analyticsProcessingAllowed()) return;
    fetch(base + "/events" + query, {
      method: "POST", body: JSON.stringify({ id: n.id, type: type }), keepalive: true, credentials: "omit"
    }).catch(function () {});
  }

  // The shopper closed one: no more popups during this visit (WCAG 2.2.2).
  function offForVisit() {
    state.off = "1";
    remember("off", "1");
    queue.length = 0;
    stop();
  }

  function onNotification(data) {
    var n;
    try { n = JSON.parse(data); } catch (e) { return; }
    if (!n || typeof n !== "object" || !n.id || seen.has(n.id)) return;
    n.sid = lastId;
    if (state.shown.length + queue.length >= cfg.max_per_page) return;
    seen.add(n.id);
    queue.push(n);
    next();
  }

  // The order was cancelled or refunded, or the merchant hid it: take it down, never show it.
  function onRetract(data) {
    var r;
    try { r = JSON.parse(data); } catch (e) { return; }
    if (!r || !r.id) return;
    seen.add(r.id);
    queue = queue.filter(function (n) { return n.id !== r.id; });
    if (onScreen && onScreen.id === r.id) onScreen.done(0);
  }

  function dispatch(event, data) {
    if (event === "ready") { failures = 0; host.setAttribute("data-state", "ready"); }
    else if (event === "notification") onNotification(data);
    else if (event === "retract") onRetract(data);
    else if (event === "goodbye") { stop(); host.setAttribute("data-state", "closed"); }  // uninstalled
  }

  function stop() {
    stopped = state.stopped = true;
    if (stream) stream.abort();
    if (release) release();  // another tab leads from here
  }

  // The stream, read with fetch rather than EventSource: a 429 or 503 and its Retry-After
  // can be seen, and reconnects back off (exponentially, with jitter, capped at a minute)
  // instead of every shopper retrying every 3 s while the gateway is away.
  function connect() {
    if (stopped) return;
    var ctrl = stream = new AbortController();
    // A visit's first page view asks for recent notifications; later ones for what came
    // after the last one shown.
    var url = base + "/stream" + query + (query ? "&" : "?") +
      (lastId ? "last_event_id=" + encodeURIComponent(lastId) : "backfill=" + cfg.max_per_page);
    fetch(url, { credentials: "omit", signal: ctrl.signal }).then(function (r) {
      if (r.status === 404 || r.status === 410) return stop();
      if (!r.ok || !r.body) return retry(parseFloat(r.headers.get("Retry-After")) * 1000);
      return read(r.body.getReader());
    }).catch(function () { retry(0); });
  }

  function retry(atLeastMs, hintMs) {
    if (stopped) return;
    var wait = hintMs || Math.min(60000, 1000 * Math.pow(2, failures++)) * (0.5 + Math.random() / 2);
    setTimeout(connect, Math.max(wait, atLeastMs || 0));
  }

  function read(reader) {
    var decoder = new TextDecoder(), buffer = "", hint = 0;
    function pump() {
      return reader.read().then(function (chunk) {
        // The server ended the stream (a restart): back after its `retry:` hint.
        if (chunk.done) return retry(0, hint || 2000);
        buffer += decoder.decode(chunk.value, { stream: true });
        var frames = buffer.split("\n\n");
        buffer = frames.pop();
        frames.forEach(function (frame) {
          var event = "message", data = "";
          frame.split("\n").forEach(function (line) {
            var at = line.indexOf(":"), field = line.slice(0, at), value = line.slice(at + 1).replace(/^ /, "");
            if (field === "event") event = value;
            else if (field === "data") data += value;
            else if (field === "id") lastId = value;
            else if (field === "retry") hint = +value;
          });
          dispatch(event, data);
          if (!bus) return;
          bus.postMessage([event, data, lastId]);
          if (event === "notification" && recent.push([event, data, lastId]) > cfg.max_per_page) recent.shift();
        });
        return pump();
      });
    }
    return pump();
  }

  function startLive() {
    if (!cfg.enabled || limitReached() || remember("off") || document.getElementById("proofstream-root")) return;
    if (cfg.include_paths.length && !matches(cfg.include_paths)) return;
    if (matches(cfg.exclude_paths)) return;
    mount();
    busy = true;  // nothing before first_delay_ms
    setTimeout(function () { busy = false; next(); }, cfg.first_delay_ms);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && onScreen) { offForVisit(); onScreen.done(0); }
    });
    if (!bus) return connect();
    bus.onmessage = function (e) {
      var m = e.data;
      if (leading) {  // a new tab: what this one got lately, then "ready"
        if (m[0] === "hello") recent.concat([["ready", "", lastId]]).forEach(function (r) { bus.postMessage(r); });
        return;
      }
      if (m[0] === "notification") {
        if (!newer(m[2])) return;  // this tab's visit is past it
        lastId = m[2];
      }
      dispatch(m[0], m[1]);
    };
    bus.postMessage(["hello"]);
    navigator.locks.request(KEY + "lead", function () {
      if (stopped) return;
      leading = state.leading = true;
      connect();
      return new Promise(function (done) { release = done; });
    });
  }

  function whenBody(fn) { if (document.body) fn(); else document.addEventListener("DOMContentLoaded", fn); }

  if (PREVIEW) {  // the dashboard's preview: what the settings page posts, shown until replaced
    whenBody(function () {
      mount();
      window.addEventListener("message", function (ev) {
        var d = ev.data;
        if (ev.source !== window.parent || ev.origin !== location.origin) return;
        if (!d || d.type !== "proofstream:preview" || !d.notification) return;
        var old = region.querySelector(".ps-popup"), pop = render(d.notification, d.config);
        pop.classList.add("ps-in");  // no timers, limits or path rules
        pop.querySelector(".ps-close").onclick = function () { pop.remove(); };
        if (old) old.replaceWith(pop); else region.appendChild(pop);
        state.shown.push(d.notification.id);
      });
      host.setAttribute("data-state", "ready");
    });
    return;
  }
  // Anything but the shop's config (the gateway's whole, validated WidgetConfig): nothing
  // at all, as if the widget were not there.
  fetch(base + "/config" + query, { credentials: "omit" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (c) { if (c && c.display_ms) { cfg = state.config = c; whenBody(startLive); } })
    .catch(function () {});
})();
