// Count this view once the page is shown, then show the count the server answers.
// The page itself may come from a cache, so its own number can be a little behind.
(function () {
  var article = document.querySelector("[data-views-url]");
  if (!article) return;
  var url = article.getAttribute("data-views-url");
  var sent = false;
  function show(text) {
    try {
      var views = JSON.parse(text).views;
      if (typeof views !== "number") return;
      var targets = document.querySelectorAll("[data-views]");
      for (var i = 0; i < targets.length; i++) targets[i].textContent = String(views);
    } catch (e) { /* keep the number the page came with */ }
  }
  function send() {
    if (sent || document.visibilityState === "hidden" || document.visibilityState === "prerender") return;
    sent = true;
    if (window.fetch) {
      fetch(url, { method: "POST", credentials: "same-origin", keepalive: true })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(show, function () {});
    } else {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.onload = function () { if (xhr.status === 200) show(xhr.responseText); };
      xhr.send();
    }
  }
  document.addEventListener("visibilitychange", send);
  send();
})();
