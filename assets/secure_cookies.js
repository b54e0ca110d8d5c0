// The session cookie (pm_session) is written by the Reflex frontend itself, in the browser, with
// options fixed when the frontend was built — before anyone knows whether it will be served over
// HTTPS. So the page decides at run time: on an HTTPS page every cookie it writes is `Secure`,
// and is never sent over plain HTTP. Plain-HTTP development (a phone on the LAN) keeps working.
(function () {
  if (window.location.protocol !== "https:") return;
  var native = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (!native || !native.configurable) return;
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    enumerable: native.enumerable,
    get: function () {
      return native.get.call(this);
    },
    set: function (value) {
      var text = String(value);
      native.set.call(this, /;\s*secure\s*(;|$)/i.test(text) ? text : text + "; Secure");
    },
  });
})();
