// The static catalogue's search, an improvement only: with JavaScript off the page says to use the
// browser's Find, and every leaflet is listed. Filters words as they are typed; nothing is fetched.
(function () {
  "use strict";
  var form = document.querySelector("form[data-filter]");
  var count = document.querySelector(".count");
  if (!form || !count) {
    return;
  }
  var input = form.querySelector("input");
  var items = Array.prototype.slice.call(document.querySelectorAll(".leaflet[data-text]"));
  var all = count.textContent;
  var tip = document.querySelector("[data-without-script]");
  form.hidden = false;
  if (tip) {
    tip.hidden = true;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute("data-text");
      var match = words.every(function (word) { return text.indexOf(word) >= 0; });
      item.hidden = !match;
      shown += match ? 1 : 0;
    });
    count.textContent = words.length ? shown + " of " + items.length + " leaflet" + (items.length === 1 ? "" : "s") +
      " match \u201c" + input.value.trim() + "\u201d." : all;
  });
})();
