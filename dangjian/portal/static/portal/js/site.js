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
