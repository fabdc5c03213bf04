/* Tanya Pemilu: starts the Rasa web chat widget and makes it usable by keyboard and screen reader.
 *
 * Used by our own page (index.html: the widget embedded full-page in #obrolan) and by embed.js on
 * other sites (the launcher in a corner). The widget (rasa-webchat, vendored) does the chat; this file
 * only sets its options, adds labels/roles it lacks, and shows a notice when the service does not answer.
 */
(function () {
  "use strict";

  var TEKS = {
    judul: "Tanya Pemilu",
    subjudul: "Diskominfo · netral, tidak memihak",
    petunjuk: "Tulis pertanyaan tentang Pemilu 2024…",
    menghubungkan: "Menghubungkan…",
    gangguan: "Layanan sedang gangguan, coba lagi sebentar.",
    masukan: "Pertanyaan Anda",
    kirim: "Kirim",
    percakapan: "Percakapan",
    bukaObrolan: "Buka obrolan Tanya Pemilu",
    tutupObrolan: "Tutup obrolan",
    tabBaru: "(membuka tab baru)",
  };
  var MULAI = '/tombol{"data":"start"}';
  var BATAS_TUNGGU_MS = 15000; // no answer this long after a question: show the notice
  var JEDA_PESAN_MS = 120; // the widget's default waits up to 3 s per message

  function siapkanAksesibilitas(akar, idTabBaru) {
    function rapikan() {
      akar.querySelectorAll(".rw-new-message:not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", TEKS.masukan);
        el.setAttribute("enterkeyhint", "send");
      });
      akar.querySelectorAll(".rw-send:not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", TEKS.kirim);
      });
      akar.querySelectorAll(".rw-messages-container:not([role])").forEach(function (el) {
        el.setAttribute("role", "log");
        el.setAttribute("aria-live", "polite");
        el.setAttribute("aria-relevant", "additions");
        el.setAttribute("aria-label", TEKS.percakapan);
      });
      // Quick replies are <div>s with a click handler: make them buttons for keyboard and readers.
      akar.querySelectorAll("div.rw-reply:not([role])").forEach(function (el) {
        el.setAttribute("role", "button");
        el.setAttribute("tabindex", "0");
      });
      akar.querySelectorAll(".rw-response a[target='_blank']:not([aria-describedby])").forEach(function (el) {
        el.setAttribute("aria-describedby", idTabBaru);
      });
      akar.querySelectorAll(".rw-launcher:not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", TEKS.bukaObrolan);
      });
      akar.querySelectorAll(".rw-close-button:not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", TEKS.tutupObrolan);
      });
    }
    new MutationObserver(rapikan).observe(akar, { childList: true, subtree: true });
    rapikan();
    akar.addEventListener("keydown", function (ev) {
      var el = ev.target;
      if (el.matches && el.matches("div.rw-reply") && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        el.click();
        // The buttons disappear once one is chosen: keep the keyboard in the conversation (only for
        // the keyboard: on a phone, focusing the input after a tap would pop up the keyboard).
        setTimeout(function () {
          var kotak = akar.querySelector(".rw-new-message");
          if (kotak && !document.activeElement.closest(".rw-replies")) kotak.focus();
        }, 0);
      }
    });
  }

  function mulai(opsi) {
    var akar = opsi.elemen;
    var tertanam = opsi.tertanam !== false;
    akar.classList.add("tp-akar");

    var tabBaru = document.createElement("span");
    tabBaru.id = "tp-tab-baru-" + Math.random().toString(36).slice(2);
    tabBaru.className = "tp-tersembunyi";
    tabBaru.textContent = TEKS.tabBaru;

    var pemberitahuan = document.createElement("div");
    pemberitahuan.className = "tp-gangguan" + (tertanam ? "" : " tp-gangguan-melayang");
    pemberitahuan.setAttribute("role", "alert");
    pemberitahuan.hidden = true;

    var wadahWidget = document.createElement("div");
    wadahWidget.className = "tp-widget";
    akar.appendChild(tabBaru);
    akar.appendChild(pemberitahuan);
    akar.appendChild(wadahWidget);

    var penanti = null;
    var terhubung = false;
    function gangguan() {
      pemberitahuan.textContent = TEKS.gangguan;
      pemberitahuan.hidden = false;
    }
    function pulih() {
      pemberitahuan.hidden = true;
      pemberitahuan.textContent = "";
    }
    function tunggu(ms) {
      clearTimeout(penanti);
      penanti = setTimeout(gangguan, ms || BATAS_TUNGGU_MS);
    }
    function terjawab() {
      clearTimeout(penanti);
      penanti = null;
      pulih();
    }

    // A question leaves by Enter/the send button (a submit of the widget's form) or a reply button.
    akar.addEventListener(
      "submit",
      function () {
        var kotak = akar.querySelector(".rw-new-message");
        if (kotak && kotak.value.trim()) tunggu();
      },
      true
    );
    akar.addEventListener(
      "click",
      function (ev) {
        var tombol = ev.target.closest && ev.target.closest("div.rw-reply");
        if (tombol) tunggu();
      },
      true
    );

    // Our page connects at once and must get the greeting in time. The launcher on other sites
    // connects only when a citizen opens it, so a page view costs Rasa nothing.
    if (tertanam) tunggu();
    siapkanAksesibilitas(akar, tabBaru.id);

    window.WebChat.default(
      {
        initPayload: MULAI,
        socketUrl: opsi.server,
        socketPath: "/socket.io/",
        title: TEKS.judul,
        subtitle: TEKS.subjudul,
        inputTextFieldHint: TEKS.petunjuk,
        connectingText: TEKS.menghubungkan,
        embedded: tertanam,
        showCloseButton: !tertanam,
        showFullScreenButton: false,
        hideWhenNotConnected: false,
        connectOn: tertanam ? "mount" : "open",
        onWidgetEvent: {
          onChatOpen: function () {
            if (!terhubung) tunggu();
          },
          onChatClose: terjawab,
        },
        displayUnreadCount: false,
        withRules: false,
        params: { storage: "session" },
        customMessageDelay: function () {
          return JEDA_PESAN_MS;
        },
        onSocketEvent: {
          connect: function () {
            terhubung = true;
            // A new conversation gets the greeting (initPayload); a restored one waits for a question.
            if (akar.querySelector(".rw-message")) terjawab();
            else tunggu();
          },
          connect_error: function () {
            if (!terhubung) gangguan();
          },
          disconnect: function () {
            terhubung = false;
            tunggu(5000);
          },
          bot_uttered: terjawab,
        },
      },
      wadahWidget
    );
  }

  window.TanyaPemilu = { mulai: mulai };

  var halaman = document.querySelector("[data-tanya-pemilu='halaman']");
  if (halaman) mulai({ server: window.location.origin, elemen: halaman, tertanam: true });
})();
