// 保存海报: on a phone the poster opens full-screen, where a long press saves or forwards it
// (WeChat's browser offers no download). Without JavaScript the link opens the image itself.
(function () {
  var link = document.querySelector(".share-poster");
  if (!link) return;
  link.addEventListener("click", function (event) {
    event.preventDefault();
    var view = document.createElement("div");
    view.className = "poster-view";
    view.setAttribute("role", "dialog");
    view.setAttribute("aria-modal", "true");
    view.setAttribute("aria-label", link.textContent);
    var image = document.createElement("img");
    image.src = link.href;
    image.alt = link.textContent;
    var hint = document.createElement("p");
    hint.textContent = link.dataset.hint;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = link.dataset.close;
    function done() { view.remove(); document.removeEventListener("keydown", onKey); link.focus(); }
    function onKey(e) { if (e.key === "Escape") done(); }
    close.addEventListener("click", done);
    document.addEventListener("keydown", onKey);
    view.append(image, hint, close);
    document.body.appendChild(view);
    close.focus();
  });
})();
