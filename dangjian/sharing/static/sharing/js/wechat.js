// In WeChat's browser: ask this site for the JS-SDK signature of this page, then load the
// SDK (a copy on this site) and set the share card: title, summary, picture.
(function () {
  var me = document.currentScript;
  if (!me || !/MicroMessenger/i.test(navigator.userAgent)) return;
  var url = location.href.split("#")[0];
  fetch(me.dataset.configUrl + "?url=" + encodeURIComponent(url), { credentials: "omit" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (config) {
      var sdk = document.createElement("script");
      sdk.src = me.dataset.sdk;
      sdk.onload = function () {
        var wx = window.wx;
        wx.config({ debug: false, appId: config.appId, timestamp: config.timestamp, nonceStr: config.nonceStr,
                    signature: config.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"] });
        wx.ready(function () {
          var card = { title: me.dataset.title, desc: me.dataset.desc, link: me.dataset.link, imgUrl: me.dataset.image };
          wx.updateAppMessageShareData(card);
          wx.updateTimelineShareData(card);
        });
      };
      document.head.appendChild(sdk);
    })
    .catch(function () {});
})();
