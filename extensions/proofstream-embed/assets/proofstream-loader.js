/*! proofstream loader: adds the versioned widget once, without blocking the page. */
(function () {
  var me = document.currentScript;
  if (!me || window.__proofstreamLoader) return;
  window.__proofstreamLoader = true;
  var api = (me.dataset.api || "").replace(/\/+$/, "");
  if (!/^https?:\/\//.test(api)) return;
  var s = document.createElement("script");
  s.async = true;
  s.src = api + "/widget.js?v=" + encodeURIComponent(me.dataset.widgetVersion || "1");
  s.dataset.shop = me.dataset.shop;
  if (me.dataset.key) s.dataset.key = me.dataset.key;
  s.dataset.api = api;
  document.head.appendChild(s);
})();
