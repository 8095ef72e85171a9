/*! proofstream loader: adds the widget once, after the page's `load` event, so that a slow
 * or unreachable proofstream server can never delay the storefront's own loading. */
(function () {
  var me = document.currentScript;
  if (!me || window.__proofstreamLoader) return;
  window.__proofstreamLoader = true;
  var api = (me.dataset.api || "").replace(/\/+$/, "");
  if (!/^https?:\/\//.test(api)) return;
  function add() {
    var s = document.createElement("script");
    s.async = true;
    s.src = api + "/widget.js?v=" + encodeURIComponent(me.dataset.widgetVersion || "1");
    s.dataset.shop = me.dataset.shop;
    if (me.dataset.key) s.dataset.key = me.dataset.key;
    s.dataset.api = api;
    document.head.appendChild(s);
  }
  if (document.readyState === "complete") add();
  else window.addEventListener("load", add, { once: true });
})();
