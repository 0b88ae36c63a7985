// Loaded in <head>, before anything is drawn, so that a reader in 长者模式 never sees the page
// flash at the normal size and a day of mourning never starts in colour. The cached page is
// the same for everyone: the modes are classes on <html>, chosen here.
(function () {
  var root = document.documentElement;
  try {
    if (localStorage.getItem("dj-elder") === "1") root.classList.add("elder");
    var size = localStorage.getItem("dj-text");
    if (size === "1" || size === "2" || size === "3") root.classList.add("text-" + size);
  } catch (e) { /* storage blocked: the defaults */ }

  // Mourning periods, [[start, end], ...] in ms, end null while open (portal_tags.mourning_periods).
  var periods = [];
  try { periods = JSON.parse(root.getAttribute("data-mourning") || "[]"); } catch (e) { periods = []; }
  function apply() {
    var now = Date.now(), next = Infinity, on = false;
    for (var i = 0; i < periods.length; i++) {
      var start = periods[i][0], end = periods[i][1] === null ? Infinity : periods[i][1];
      if (now >= start && now < end) { on = true; next = Math.min(next, end); }
      else if (start > now) { next = Math.min(next, start); }
    }
    root.classList.toggle("mourning", on);
    // A page left open across a boundary changes mode there (timers hold at most ~24.8 days).
    if (next !== Infinity && next - now < 2147483647) setTimeout(apply, next - now + 50);
  }
  apply();
})();
