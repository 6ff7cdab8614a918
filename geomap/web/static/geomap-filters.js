/* geomap analyst tools on the map: the focus / all-places frame switch and the download
 * menu that follows the current filters. Untrusted text only goes in through textContent. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fit(api, bounds) {
    var wide = api.map.getSize().x > 700;
    api.map.fitBounds(bounds, {
      animate: false, maxZoom: api.config.maxFitZoom,
      paddingTopLeft: [wide ? 280 : 20, 20], paddingBottomRight: [20, 20],
    });
  }

  // "All places" / "Focus": the map opens on what its articles are about; one click
  // shows everything, another goes back.
  function frameControl(api) {
    var config = api.config;
    if (!config.focusBounds || !config.bounds) return;
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var box = el("div", "gm-frame leaflet-bar");
      var all = el("button", "gm-frame-all", "All places");
      all.type = "button";
      all.title = "Show every place on the map";
      var focus = el("button", "gm-frame-focus", "Focus");
      focus.type = "button";
      focus.title = "Back to what the articles are about";
      all.addEventListener("click", function () { fit(api, config.bounds); });
      focus.addEventListener("click", function () { fit(api, config.focusBounds); });
      L.DomEvent.disableClickPropagation(box);
      box.appendChild(focus);
      box.appendChild(all);
      return box;
    };
    control.addTo(api.map);
  }

  // A click on a bar of the date histogram narrows the range to that day or week.
  function histogramClicks() {
    var form = document.querySelector(".gm-filter-form");
    if (!form) return;
    Array.prototype.forEach.call(document.querySelectorAll(".gm-histogram .gm-bar"),
      function (bar) {
        bar.addEventListener("click", function () {
          form.querySelector("#gm-from").value = bar.getAttribute("data-from");
          form.querySelector("#gm-to").value = bar.getAttribute("data-to");
          form.submit();
        });
      });
  }

  // The download links carry the page's filters (server side); layers of kinds switched
  // off in the layer control are left out of the downloads too.
  function downloadKinds(api) {
    var links = document.querySelectorAll("a[data-export]");
    if (!links.length) return;
    Array.prototype.forEach.call(links, function (a) { a.setAttribute("data-href", a.href); });
    function update() {
      var config = api.config, shown = {}, hidden = false;
      api.entries.forEach(function (e) {
        var group = window[config.groups[e.place.l || e.place.k]];
        if (group && api.map.hasLayer(group)) shown[e.place.k] = true;
        else hidden = true;
      });
      Array.prototype.forEach.call(links, function (a) {
        var url = new URL(a.getAttribute("data-href"), window.location.href);
        if (hidden) url.searchParams.set("kind", Object.keys(shown).sort().join(",") || "none");
        a.href = url.pathname + url.search;
      });
    }
    api.map.on("overlayadd overlayremove", update);
    update();
  }

  // A contested place's popup: every curated name with who uses it, then the names the
  // shown articles used and how often (see "Contested names" in the README).
  function namesPart(box, place) {
    if (place.gn) box.appendChild(el("p", "gm-popup-gazetteer", "Gazetteer name: " + place.gn));
    if (place.nm && place.nm.length) {
      var list = el("ul", "gm-popup-names");
      place.nm.forEach(function (entry) {
        var li = el("li", "gm-name");
        li.appendChild(el("span", "gm-name-text", entry[0]));
        var about = [entry[2], entry[1]].filter(Boolean).join(", ");
        if (about) li.appendChild(el("span", "gm-name-usage", " – " + about));
        list.appendChild(li);
      });
      box.appendChild(el("p", "gm-popup-names-title", "Names"));
      box.appendChild(list);
    }
    if (place.u && place.u.length) {
      box.appendChild(el("p", "gm-popup-used", "In these articles: " + place.u.map(function (u) {
        return u[0] + " ×" + u[1];
      }).join(" · ")));
    }
  }
  window.geomapPopupParts = (window.geomapPopupParts || []).concat([namesPart]);

  // The heat-map layer (folium's HeatMap, built empty) gets the point places of the page,
  // each weighted by log(1 + mentions) against the most mentioned one: with counts as
  // skewed as news makes them, a linear weight shows one spot and nothing else.
  function fillHeat(api) {
    var layer = api.config.heat && window[api.config.heat];
    if (!layer) return;
    var points = api.entries.filter(function (e) { return e.place.p && e.place.k !== "demonym"; });
    var top = Math.log1p(points.reduce(function (m, e) { return Math.max(m, e.place.c); }, 0));
    layer.setLatLngs(points.map(function (e) {
      return [e.place.p[1], e.place.p[0], top ? Math.log1p(e.place.c) / top : 1];
    }));
  }

  document.addEventListener("geomap:ready", function (ev) {
    var api = (window.geomapMaps || {})[ev.detail.id];
    if (!api || !api.config) return;
    frameControl(api);
    fillHeat(api);
    downloadKinds(api);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", histogramClicks);
  } else {
    histogramClicks();
  }
})();
