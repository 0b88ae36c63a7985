// Share block: the system share sheet where the browser has one, copying the link (shown
// only with JavaScript, which it needs), and in WeChat's browser a pointer to its ··· menu.
(function () {
  var share = document.querySelector(".share");
  if (!share) return;
  if (/MicroMessenger/i.test(navigator.userAgent)) share.querySelector(".share-wechat").hidden = false;
  var canonical = document.querySelector('link[rel="canonical"]');
  var url = canonical ? canonical.href : location.href;
  var title = document.title;
  var status = share.querySelector(".share-status");
  var nativeButton = share.querySelector(".share-native");
  if (navigator.share) {
    nativeButton.hidden = false;
    nativeButton.addEventListener("click", function () {
      navigator.share({ title: title, url: url }).catch(function () {});
    });
  }
  var copyButton = share.querySelector(".share-copy");
  copyButton.hidden = false;
  copyButton.addEventListener("click", function () {
    function done() { status.textContent = "链接已复制，可以粘贴给朋友了"; }
    function fallback() {
      var input = document.createElement("textarea");
      input.value = url;
      document.body.appendChild(input);
      input.select();
      try { document.execCommand("copy"); done(); } catch (e) { status.textContent = "请长按地址栏复制链接"; }
      document.body.removeChild(input);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, fallback);
    } else {
      fallback();
    }
  });
})();

// Text size (A− / A+) and 长者模式: remembered in this browser, applied by modes.js on every page.
(function () {
  var tools = document.querySelector(".text-tools");
  if (!tools) return;
  var root = document.documentElement;
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* not remembered */ } }
  function size() { for (var i = 1; i <= 3; i++) if (root.classList.contains("text-" + i)) return i; return 0; }
  function setSize(value) {
    for (var i = 1; i <= 3; i++) root.classList.toggle("text-" + i, i === value);
    store("dj-text", String(value));
    tools.querySelector(".text-smaller").disabled = value === 0;
    tools.querySelector(".text-larger").disabled = value === 3;
  }
  var elder = tools.querySelector(".elder-toggle");
  function showElder() { elder.setAttribute("aria-pressed", root.classList.contains("elder") ? "true" : "false"); }
  tools.querySelector(".text-smaller").addEventListener("click", function () { setSize(Math.max(0, size() - 1)); });
  tools.querySelector(".text-larger").addEventListener("click", function () { setSize(Math.min(3, size() + 1)); });
  elder.addEventListener("click", function () {
    root.classList.toggle("elder");
    store("dj-elder", root.classList.contains("elder") ? "1" : "0");
    showElder();
  });
  setSize(size());
  showElder();
  tools.hidden = false;
})();

// The reader's account in the header and the login box. Pages are cached and the same for
// everyone; only a browser holding the login hint cookie (accounts/hint.py) asks who it is.
(function () {
  var holder = document.querySelector(".account-links");
  if (!holder || !/(^|;\s*)dj_login=1/.test(document.cookie)) return;
  fetch(holder.getAttribute("data-state-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (state) {
      if (!state || !state.logged_in) return;
      function menu() {
        var fragment = document.createDocumentFragment();
        state.links.forEach(function (item) {
          var link = document.createElement("a");
          link.href = item.url;
          link.textContent = item.label;
          fragment.appendChild(link);
        });
        var form = document.createElement("form");
        form.method = "post";
        form.action = state.logout.url;
        form.className = "logout-form";
        var token = document.createElement("input");
        token.type = "hidden";
        token.name = "csrfmiddlewaretoken";
        token.value = state.logout.csrf;
        var button = document.createElement("button");
        button.type = "submit";
        button.className = "link-button";
        button.textContent = state.logout.label;
        form.appendChild(token);
        form.appendChild(button);
        fragment.appendChild(form);
        return fragment;
      }
      holder.textContent = "";
      holder.appendChild(menu());
      holder.classList.add("logged-in");
      document.querySelectorAll(".login-box").forEach(function (box) {
        var form = box.querySelector(".login-form");
        var greeting = document.createElement("p");
        greeting.className = "greeting";
        greeting.textContent = state.greeting;
        var links = document.createElement("div");
        links.className = "account-menu";
        links.appendChild(menu());
        form.replaceWith(greeting);
        greeting.after(links);
        box.classList.add("logged-in");
      });
    })
    .catch(function () { /* the page stays as it is: the 登录 link works */ });
})();

// Read aloud (朗读) with the browser's speech synthesis in a Chinese voice, and print.
(function () {
  var tools = document.querySelector(".article-tools");
  if (!tools) return;
  var status = tools.querySelector(".read-status");
  var read = tools.querySelector(".read-aloud"), pause = tools.querySelector(".read-pause"), stop = tools.querySelector(".read-stop");
  var speech = window.speechSynthesis;
  function chineseVoice() {
    var voices = speech.getVoices();
    for (var i = 0; i < voices.length; i++) if (/^zh([-_]CN|[-_]Hans)?/i.test(voices[i].lang)) return voices[i];
    return null;
  }
  function reset() { pause.hidden = true; stop.hidden = true; read.hidden = false; }
  read.addEventListener("click", function () {
    if (!speech || typeof SpeechSynthesisUtterance === "undefined") { status.textContent = tools.getAttribute("data-no-speech"); return; }
    var voice = chineseVoice();
    if (!voice) { status.textContent = tools.getAttribute("data-no-voice"); return; }
    speech.cancel();
    var title = document.querySelector(".article-head h1").textContent;
    var body = document.querySelector(".article-body").innerText;
    // Short pieces: some engines stop after about fifteen seconds of one utterance.
    var pieces = [title].concat(body.split(/(?<=[。！？；\n])/)).map(function (t) { return t.trim(); }).filter(Boolean);
    pieces.forEach(function (text, index) {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      if (index === pieces.length - 1) utterance.onend = function () { status.textContent = tools.getAttribute("data-done"); reset(); };
      speech.speak(utterance);
    });
    status.textContent = tools.getAttribute("data-reading");
    read.hidden = true;
    pause.hidden = false;
    stop.hidden = false;
  });
  var pauseLabel = pause.textContent;
  pause.addEventListener("click", function () {
    if (speech.paused) {
      speech.resume();
      pause.textContent = pauseLabel;
      status.textContent = tools.getAttribute("data-reading");
    } else {
      speech.pause();
      pause.textContent = tools.getAttribute("data-resume");
      status.textContent = tools.getAttribute("data-paused");
    }
  });
  stop.addEventListener("click", function () { speech.cancel(); pause.textContent = pauseLabel; status.textContent = ""; reset(); });
  tools.querySelector(".print-article").addEventListener("click", function () { window.print(); });
  if (speech) speech.getVoices();  // Chrome loads its voices on the first call
  tools.hidden = false;
})();

// Login pages: another captcha picture; on the demo site, the page reloads once the
// console backend has written the code it shows.
(function () {
  document.querySelectorAll(".captcha-picture").forEach(function (picture) {
    var button = picture.querySelector(".captcha-refresh");
    var field = picture.parentNode;
    button.hidden = false;
    button.addEventListener("click", function () {
      fetch(picture.getAttribute("data-refresh-url"), { headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) { return response.json(); })
        .then(function (fresh) {
          picture.querySelector("img").src = fresh.image_url;
          field.querySelector('input[type="hidden"][name$="_0"]').value = fresh.key;
          var answer = field.querySelector('input[name$="_1"]');
          answer.value = "";
          answer.focus();
        });
    });
  });
  var waiting = document.querySelector(".demo-waiting");
  if (!waiting) return;
  var tries = 0;
  var timer = setInterval(function () {
    tries += 1;
    fetch(waiting.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) { if (state.status !== "queued" || tries > 30) { clearInterval(timer); location.reload(); } });
  }, 1000);
})();
