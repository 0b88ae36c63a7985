// Share block: the system share sheet where the browser has one, else copy the link.
(function () {
  var share = document.querySelector(".share");
  if (!share) return;
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
  share.querySelector(".share-copy").addEventListener("click", function () {
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
