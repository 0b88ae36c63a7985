// The region picker: the city list shows the chosen province's cities only, and the
// county list is filled from /city/regions/<city>/. Without script, every city is listed
// under its province and the county stays "none".
(function () {
  var picker = document.querySelector(".region-picker");
  if (!picker) return;
  var province = picker.querySelector("#id_province");
  var city = picker.querySelector("#id_city");
  var county = picker.querySelector("#id_county");
  var url = picker.getAttribute("data-children-url");
  var all = Array.prototype.slice.call(city.querySelectorAll("optgroup"));

  function showCities() {
    all.forEach(function (group) {
      var mine = group.getAttribute("data-province") === province.value;
      group.hidden = !mine;
      group.disabled = !mine;
    });
    var chosen = city.selectedOptions[0];
    if (chosen && chosen.parentNode.disabled) city.value = "";
  }

  function fillCounties() {
    var selected = county.getAttribute("data-selected");
    county.length = 1;
    if (!city.value) return;
    fetch(url.replace("000000", city.value), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (rows) {
        rows.forEach(function (row) {
          var option = new Option(row[1], row[0], false, row[0] === selected);
          county.add(option);
        });
      });
  }

  province.addEventListener("change", function () { showCities(); fillCounties(); });
  city.addEventListener("change", function () { county.setAttribute("data-selected", ""); fillCounties(); });
  showCities();
  fillCounties();
})();
