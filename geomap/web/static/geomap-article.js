/* geomap article page: a click on a highlighted mention shows its place on the article's map. */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a.gm-mention[data-place]") : null;
    if (!link || !window.geomapMap) return;
    ev.preventDefault();
    window.geomapMap.focus(link.getAttribute("data-place"));
  });
})();
