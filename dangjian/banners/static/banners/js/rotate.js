// A cached page carries every banner of a place: each reader sees one, drawn by weight.
(function () {
  document.querySelectorAll("[data-banner-slot]").forEach(function (slot) {
    var banners = Array.prototype.slice.call(slot.querySelectorAll(".banner"));
    var total = banners.reduce(function (sum, b) { return sum + Number(b.dataset.weight); }, 0);
    var pick = Math.random() * total;
    var chosen = banners.find(function (b) { pick -= Number(b.dataset.weight); return pick < 0; }) || banners[0];
    banners.forEach(function (b) { b.hidden = b !== chosen; });
  });
})();
