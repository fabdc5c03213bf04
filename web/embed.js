/* Tanya Pemilu on another site: one tag, <script src="https://<our server>/embed.js" defer></script>.
 *
 * Loads the widget, our stylesheet and our start-up code from the server this file came from, and
 * opens the launcher (a round button in the bottom-right corner). The site must be listed in
 * WEB_CHAT_ORIGINS on that server, or the chat's socket is refused.
 */
(function () {
  "use strict";
  var ini = document.currentScript;
  if (!ini || window.TanyaPemilu) return;
  var server = new URL(ini.src).origin;

  function muat(tag, atribut, lalu) {
    var el = document.createElement(tag);
    Object.keys(atribut).forEach(function (k) {
      el.setAttribute(k, atribut[k]);
    });
    if (lalu) el.onload = lalu;
    document.head.appendChild(el);
  }

  muat("link", { rel: "stylesheet", href: server + "/assets/obrolan.css" });
  muat("script", { src: server + "/vendor/rasa-webchat-1.0.1/index.js" }, function () {
    muat("script", { src: server + "/assets/obrolan.js" }, function () {
      var akar = document.createElement("div");
      akar.className = "tp-sematan";
      document.body.appendChild(akar);
      window.TanyaPemilu.mulai({ server: server, elemen: akar, tertanam: false });
    });
  });
})();
