/* geomap: draws the places a folium map embeds as JSON (see geomap/mapview.py).
 *
 * Untrusted text (names, aliases, titles) only ever goes into the page through
 * textContent or Leaflet options that set DOM properties. The one exception is
 * excerpt HTML, which the server builds with every piece escaped (markupsafe).
 */
(function () {
  "use strict";

  var maps = (window.geomapMaps = window.geomapMaps || {});
  var FOCUS_ZOOM = 9; // zoom level for a place chosen in the list or the search
  var ALIASES_SHOWN = 6; // other names shown in a popup before "N more names"

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  // The page carries each place as [id, name, kind index, mentions, geometry, extras]
  // with lines and polygons delta-encoded (see encode_geometry in geomap/mapview.py).
  var RING_DEPTH = { LineString: 0, MultiPoint: 0, Polygon: 1, MultiLineString: 1,
                     MultiPolygon: 2 };

  function decodeGeometry(g) {
    if (Array.isArray(g)) return null; // a point: kept as place.p
    if (g.type) return g; // plain GeoJSON
    var scale = Math.pow(10, g.d);
    function ring(flat) {
      var out = [], x = 0, y = 0;
      for (var i = 0; i < flat.length; i += 2) {
        x += flat[i]; y += flat[i + 1];
        out.push([x / scale, y / scale]);
      }
      return out;
    }
    function walk(c, depth) {
      return depth === 0 ? ring(c) : c.map(function (x) { return walk(x, depth - 1); });
    }
    return { type: g.t, coordinates: walk(g.c, RING_DEPTH[g.t]) };
  }

  function decodePlace(row, kindNames) {
    var place = { i: row[0], n: row[1], k: kindNames[row[2]], c: row[3] };
    if (Array.isArray(row[4])) place.p = row[4];
    else place.g = decodeGeometry(row[4]);
    var extra = row[5] || {};
    Object.keys(extra).forEach(function (key) { place[key] = extra[key]; });
    return place;
  }

  function layerKind(place) {
    return place.l || place.k;
  }

  function kindColour(config, kind) {
    var k = config.kinds[kind];
    return k ? k.colour : "#525252";
  }

  function pinIcon(colour, count) {
    var size = Math.round(10 + Math.min(10, Math.log(count + 1) * 2.2));
    var dot = document.createElement("span");
    dot.className = "gm-dot";
    dot.style.background = colour;
    dot.style.width = dot.style.height = size + "px";
    return L.divIcon({ className: "gm-pin", html: dot, iconSize: [size, size] });
  }

  function mentionsUrl(config, place, offset) {
    var url = config.mentionsUrl.replace("__ID__", encodeURIComponent(place.i));
    var query = "?offset=" + offset + "&limit=" + config.pageSize;
    if (config.article) query += "&article=" + encodeURIComponent(config.article);
    if (config.filterQuery) query += "&" + config.filterQuery; // the page's filters
    return url + query;
  }

  function popupContent(config, place, layer) {
    var box = el("div", "gm-popup");
    box.appendChild(el("h3", "gm-popup-name", place.n));
    var kind = config.kinds[layerKind(place)] ? config.kinds[layerKind(place)].label : place.k;
    var meta = el("p", "gm-popup-kind", place.k + (place.s ? " · " + place.s : ""));
    meta.title = kind;
    box.appendChild(meta);
    if (place.a && place.a.length) {
      // other names, spelling variants folded together; a long tail goes behind a toggle
      var key = function (name) { return fold(name).replace(/[\s\u2010-\u2015-]+/g, " "); };
      var seen = {}, names = [];
      seen[key(place.n)] = true;
      place.a.forEach(function (name) {
        if (!seen[key(name)]) { seen[key(name)] = true; names.push(name); }
      });
      if (names.length) {
        box.appendChild(el("p", "gm-popup-aliases",
                           "Also: " + names.slice(0, ALIASES_SHOWN).join(" · ")));
      }
      if (names.length > ALIASES_SHOWN) {
        var rest = el("details", "gm-popup-more-names");
        rest.appendChild(el("summary", null,
          plural(names.length - ALIASES_SHOWN, "more name", "more names")));
        rest.appendChild(el("p", "gm-popup-aliases", names.slice(ALIASES_SHOWN).join(" · ")));
        box.appendChild(rest);
      }
    }
    if (place.pt) {
      // reference id and point as plain text (textContent), for copying into other tools
      var ref = place.pt[1].toFixed(4) + ", " + place.pt[0].toFixed(4);
      if (place.gn) ref = "GeoNames " + place.gn + " · " + ref;
      box.appendChild(el("p", "gm-popup-ref", ref));
    }
    // other scripts add their parts here (geomap-filters.js: the names of a contested place)
    (window.geomapPopupParts || []).forEach(function (part) { part(box, place, config); });
    box.appendChild(el("p", "gm-popup-count", plural(place.c, "mention", "mentions")));
    var list = el("ol", "gm-excerpts");
    box.appendChild(list);
    var shown = 0;
    if (place.x) {
      list.innerHTML = place.x; // built and escaped by the server
      shown = place.xn || 0;
    }
    if (shown < place.c && config.mentionsUrl) {
      var more = el("button", "gm-more", "Load excerpts");
      more.type = "button";
      var load = function () {
        more.disabled = true;
        more.textContent = "Loading…";
        fetch(mentionsUrl(config, place, shown), { headers: { Accept: "application/json" } })
          .then(function (r) {
            if (!r.ok) throw new Error("HTTP " + r.status);
            return r.json();
          })
          .then(function (data) {
            data.items.forEach(function (item) {
              list.insertAdjacentHTML("beforeend", item.html); // escaped by the server
            });
            shown += data.items.length;
            if (data.next === null || shown >= data.total) {
              more.remove();
            } else {
              more.disabled = false;
              more.textContent = "More excerpts (" + (data.total - shown) + " left)";
            }
            if (layer.getPopup()) layer.getPopup().update();
          })
          .catch(function () {
            more.disabled = false;
            more.textContent = "Could not load excerpts – retry";
          });
      };
      more.addEventListener("click", load);
      box.appendChild(more);
      if (shown === 0) load(); // heavily mentioned place: its excerpts arrive on open
    }
    return box;
  }

  function makeLayer(config, place) {
    var colour = kindColour(config, layerKind(place));
    var g = place.g;
    var layer;
    if (place.p) {
      var ll = [place.p[1], place.p[0]];
      layer = L.marker(ll, {
        icon: pinIcon(colour, place.c),
        title: place.n, // Leaflet sets it as a DOM property: no HTML
        alt: place.n,
        riseOnHover: true,
      });
    } else {
      var line = g.type === "LineString" || g.type === "MultiLineString";
      var style = line
        ? { color: colour, weight: 4, opacity: 0.9, pane: "gm-lines",
            dashArray: place.s === "proposed" ? "10 8" : null }
        : { color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.18,
            pane: "gm-areas" };
      style.pointToLayer = function (_f, ll) { // MultiPoint: one dot per point
        return L.marker(ll, { icon: pinIcon(colour, place.c), title: place.n, alt: place.n });
      };
      layer = L.GeoJSON.geometryToLayer({ type: "Feature", geometry: g, properties: {} }, style);
      if (line) {
        layer.bindTooltip(el("span", null, place.n), {
          permanent: true, direction: "center", className: "gm-line-label",
        });
      } else {
        layer.bindTooltip(el("span", null, place.n), { sticky: true });
      }
    }
    // Built on first open and kept: Leaflet calls this again on every popup.update(),
    // and a new box each time would fetch the excerpts again, and again.
    var box = null;
    layer.bindPopup(function () { return box || (box = popupContent(config, place, layer)); },
                    { maxWidth: 380, minWidth: 240, maxHeight: 320,
                      autoPanPaddingTopLeft: [config.panelRoom, 30],
                      autoPanPaddingBottomRight: [30, 30] });
    return layer;
  }

  function legend(config) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = el("div", "gm-legend");
      box.appendChild(el("strong", null, "Legend"));
      Object.keys(config.kinds).forEach(function (kind) {
        var row = el("div", "gm-legend-row");
        var swatch = el("span", "gm-swatch");
        swatch.style.background = config.kinds[kind].colour;
        row.appendChild(swatch);
        row.appendChild(el("span", null, config.kinds[kind].label));
        box.appendChild(row);
      });
      var proposed = config.places.some(function (p) { return p.s === "proposed"; });
      if (proposed) {
        var dash = el("div", "gm-legend-row");
        dash.appendChild(el("span", "gm-swatch gm-swatch-dashed"));
        dash.appendChild(el("span", null, "proposed (dashed)"));
        box.appendChild(dash);
      }
      return box;
    };
    return control;
  }

  function panelParts() {
    // the panel both map modes share: a box that keeps clicks and scrolls from the map,
    // its search field and the list of search results
    var box = el("div", "gm-panel");
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    var search = el("input", "gm-search");
    search.type = "search";
    search.placeholder = "Search places and other names";
    search.setAttribute("aria-label", "Search places");
    box.appendChild(search);
    var results = el("ul", "gm-results");
    box.appendChild(results);
    return { box: box, search: search, results: results };
  }

  function panel(config, entries, focus) {
    // beside the map's content on a wide map; out of the popups' way on a narrow one
    var control = L.control({ position: config.panelRoom > 30 ? "topleft" : "bottomleft" });
    control.onAdd = function () {
      var parts = panelParts();
      var box = parts.box, search = parts.search, results = parts.results;
      var details = el("details", "gm-list");
      // the article page lists its mentions in the text: keep the map clear there
      details.open = !config.article && entries.length > 0 && config.panelRoom > 30;
      details.appendChild(el("summary", null,
        plural(entries.length, "place", "places") + " by mentions"));
      var list = el("ol", "gm-ranked");
      var top = entries.slice(0, 200);
      top.forEach(function (entry) { list.appendChild(item(entry, null)); });
      details.appendChild(list);
      if (entries.length > top.length) {
        details.appendChild(el("p", "gm-note",
          (entries.length - top.length) + " more: use the search box"));
      }
      box.appendChild(details);

      function item(entry, matched) {
        var li = el("li", "gm-item");
        var a = el("a", null, entry.place.n);
        a.href = "#";
        a.setAttribute("data-place", entry.place.i);
        a.addEventListener("click", function (ev) { ev.preventDefault(); focus(entry); });
        li.appendChild(a);
        if (matched && matched !== entry.place.n) li.appendChild(el("span", "gm-alias", " (" + matched + ")"));
        li.appendChild(el("span", "gm-count", " " + entry.place.c));
        return li;
      }

      var timer = null;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          results.textContent = "";
          var q = fold(search.value.trim());
          if (!q) return;
          var prefix = [], inner = [];
          for (var i = 0; i < entries.length && prefix.length < 20; i++) {
            var e = entries[i];
            for (var j = 0; j < e.keys.length; j++) {
              var pos = e.keys[j].indexOf(q);
              if (pos === 0) { prefix.push([e, e.names[j]]); break; }
              if (pos > 0 && inner.length < 20) { inner.push([e, e.names[j]]); break; }
            }
          }
          var found = prefix.concat(inner).slice(0, 20);
          if (!found.length) results.appendChild(el("li", "gm-note", "No place matches"));
          found.forEach(function (pair) { results.appendChild(item(pair[0], pair[1])); });
        }, 120);
      });
      search.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          var first = results.querySelector("a[data-place]");
          if (first) first.click();
        }
      });
      return box;
    };
    return control;
  }

  // -- viewport mode: a store too big for one page (see geomap/viewport.py) -----------------

  function clusterIcon(colour, n) {
    var size = Math.round(24 + Math.min(20, Math.log(n) * 4));
    var dot = document.createElement("span");
    dot.className = "gm-dot gm-cluster";
    dot.style.background = colour;
    dot.style.width = dot.style.height = dot.style.lineHeight = size + "px";
    dot.textContent = n > 9999 ? Math.round(n / 1000) + "k" : String(n);
    return L.divIcon({ className: "gm-pin", html: dot, iconSize: [size, size] });
  }

  function featurePlace(f) {
    var p = f.properties;
    var place = { i: p.id, n: p.name, k: p.kind, c: p.mentions, a: p.aliases, s: p.status };
    if (p.layer !== p.kind) place.l = p.layer;
    if (f.geometry.type === "Point") place.p = f.geometry.coordinates;
    else place.g = f.geometry;
    return place;
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  // Loads the places of each view as the reader pans and zooms; layers already on the map
  // that the new view still holds are kept (an open popup stays open).
  function viewportMode(map, config) {
    var vp = config.viewport;
    // the page's filters (dates, confidence, feed...) go with every question to the server
    var filterQuery = config.filterQuery ? config.filterQuery + "&" : "";
    var shown = {}; // key -> {layer, group, place}
    var seq = 0, timer = null, pending = null;
    var groups = {};
    Object.keys(config.groups).forEach(function (k) { groups[k] = window[config.groups[k]]; });

    function bboxParam() {
      var b = map.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (x) { return x.toFixed(5); }).join(",");
    }

    function load() {
      var mine = ++seq;
      getJson(vp.url + "?" + filterQuery + "bbox=" + bboxParam() + "&zoom=" + map.getZoom())
        .then(function (data) {
          if (mine !== seq) return; // a newer view was asked for meanwhile
          var next = {};
          data.features.forEach(function (f) {
            var p = f.properties;
            var key = p.cluster
              ? "c:" + p.layer + ":" + f.geometry.coordinates.join(",") + ":" + p.places
              : "p:" + p.id;
            if (shown[key]) { next[key] = shown[key]; delete shown[key]; return; }
            var group = groups[p.layer];
            if (!group) return;
            var layer, place = null;
            if (p.cluster) {
              var c = f.geometry.coordinates, b = p.bbox;
              layer = L.marker([c[1], c[0]], {
                icon: clusterIcon(kindColour(config, p.layer), p.places),
                title: plural(p.places, "place", "places"), riseOnHover: true,
              });
              layer.on("click", function () {
                if (b[2] - b[0] < 1e-6 && b[3] - b[1] < 1e-6) {
                  map.setView([c[1], c[0]], Math.min(map.getZoom() + 3, map.getMaxZoom()));
                } else {
                  map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [40, 40] });
                }
              });
            } else {
              place = featurePlace(f);
              layer = makeLayer(config, place);
            }
            group.addLayer(layer);
            next[key] = { layer: layer, group: group, place: place };
          });
          Object.keys(shown).forEach(function (key) {
            shown[key].group.removeLayer(shown[key].layer);
          });
          shown = next;
          if (pending && shown["p:" + pending]) {
            shown["p:" + pending].layer.openPopup();
            pending = null;
          }
          map.getContainer().setAttribute("data-gm-view", String(mine)); // a view is drawn
        })
        .catch(function (err) { console.warn("geomap: view not loaded:", err.message); });
    }

    function focusOn(id, bbox) {
      pending = id;
      if (bbox && bbox.length === 4) {
        if (bbox[2] - bbox[0] < 1e-6 && bbox[3] - bbox[1] < 1e-6) {
          map.setView([bbox[1], bbox[0]], Math.max(map.getZoom(), FOCUS_ZOOM), { animate: false });
        } else {
          map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]],
                        { maxZoom: FOCUS_ZOOM, padding: [30, 30], animate: false });
        }
      }
      load(); // also when the map did not move
    }

    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 120);
    });

    // the panel: server-side search, and the most mentioned places on demand
    var control = L.control({ position: config.panelRoom > 30 ? "topleft" : "bottomleft" });
    control.onAdd = function () {
      var parts = panelParts();
      var box = parts.box, search = parts.search, results = parts.results;
      var details = el("details", "gm-list");
      details.appendChild(el("summary", null, "Places by mentions"));
      var list = el("ol", "gm-ranked");
      details.appendChild(list);
      box.appendChild(details);

      function item(id, name, count, bbox, matched) {
        var li = el("li", "gm-item");
        var a = el("a", null, name);
        a.href = "#";
        a.setAttribute("data-place", id);
        a.addEventListener("click", function (ev) { ev.preventDefault(); focusOn(id, bbox); });
        li.appendChild(a);
        if (matched) li.appendChild(el("span", "gm-alias", " (" + matched + ")"));
        li.appendChild(el("span", "gm-count", " " + count));
        return li;
      }
      details.addEventListener("toggle", function () {
        if (!details.open || list.childNodes.length) return;
        getJson(vp.top + (filterQuery ? "?" + filterQuery.slice(0, -1) : "")).then(function (data) {
          data.places.forEach(function (p) {
            list.appendChild(item(p.id, p.name, p.mentions, p.bbox, null));
          });
        });
      });
      var timer2 = null, asked = 0;
      search.addEventListener("input", function () {
        clearTimeout(timer2);
        timer2 = setTimeout(function () {
          var q = search.value.trim(), mine = ++asked;
          if (!q) { results.textContent = ""; return; }
          getJson(vp.search + "?" + filterQuery + "q=" + encodeURIComponent(q)).then(function (data) {
            if (mine !== asked) return;
            results.textContent = "";
            if (!data.features.length) results.appendChild(el("li", "gm-note", "No place matches"));
            var fq = fold(q);
            data.features.forEach(function (f) {
              var p = f.properties, matched = null;
              if (fold(p.name).indexOf(fq) < 0) {
                (p.aliases || []).some(function (n) {
                  if (fold(n).indexOf(fq) >= 0) { matched = n; return true; }
                  return false;
                });
              }
              results.appendChild(item(p.id, p.name, p.mentions, f.bbox, matched));
            });
          });
        }, 150);
      });
      search.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          var first = results.querySelector("a[data-place]");
          if (first) first.click();
        }
      });
      return box;
    };
    control.addTo(map);
    legend(config).addTo(map);
    var api = { map: map, focus: function (id) { focusOn(id, null); }, entries: [], load: load };
    maps[map.getContainer().id] = api;
    window.geomapMap = api;
    load();
    document.dispatchEvent(new CustomEvent("geomap:ready", { detail: { id: map.getContainer().id } }));
  }

  window.geomapPlaces = function (map, config) {
    config.panelRoom = map.getSize().x > 700 ? 290 : 30; // keep popups clear of the panel
    config.places = config.places.map(function (row) {
      return decodePlace(row, config.kindNames);
    });
    map.createPane("gm-base").style.zIndex = 250;
    map.createPane("gm-areas").style.zIndex = 410;
    map.createPane("gm-lines").style.zIndex = 420;
    map.getContainer().classList.add(config.basemap ? "gm-offline" : "gm-tiles");

    if (config.basemap) {
      fetch(config.basemap)
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) {
          L.geoJSON(data, {
            pane: "gm-base", interactive: false, renderer: L.canvas({ pane: "gm-base" }),
            style: { color: "#ffffff", weight: 0.8, fillColor: "#e8e4d8", fillOpacity: 1 },
          }).addTo(map);
        })
        .catch(function (err) { console.warn("geomap: no base layer:", err.message); });
    }

    if (config.viewport) {
      viewportMode(map, config);
      return;
    }

    // Fit first, without animation: the layers are then drawn once, at the final zoom,
    // and no zoom animation is still running when the reader first clicks. The frame is
    // the articles' focus when there is one (geomap-filters.js offers "all places").
    if (config.bounds) {
      var wide = map.getSize().x > 700;
      map.fitBounds(config.focusBounds || config.bounds, {
        animate: false, maxZoom: config.maxFitZoom,
        paddingTopLeft: [wide ? 280 : 20, 20], paddingBottomRight: [20, 20],
      });
    }

    var entries = [];
    var byId = {};
    var batches = {};
    config.places.forEach(function (place) {
      var layer = makeLayer(config, place);
      var lk = layerKind(place);
      var names = [place.n].concat(place.a || []);
      var entry = {
        place: place, layer: layer, names: names, keys: names.map(fold),
        container: window[config.clusters[lk]] && place.p
          ? window[config.clusters[lk]] : window[config.groups[lk]],
        group: window[config.groups[lk]], shown: true,
      };
      if (entry.container && entry.container.addLayers) {
        (batches[lk] = batches[lk] || []).push(layer);
      } else if (entry.container) {
        entry.container.addLayer(layer);
      }
      entries.push(entry);
      byId[place.i] = entry;
    });
    Object.keys(batches).forEach(function (kind) {
      window[config.clusters[kind]].addLayers(batches[kind]);
    });
    entries.sort(function (a, b) {
      return b.place.c - a.place.c || a.place.n.localeCompare(b.place.n);
    });

    function focus(entry) {
      if (!entry) return;
      if (map._animatingZoom) { // let a running zoom finish, or it undoes this one
        map.once("zoomend", function () { focus(entry); });
        return;
      }
      if (entry.group && !map.hasLayer(entry.group)) map.addLayer(entry.group);
      if (!entry.shown) { entry.container.addLayer(entry.layer); entry.shown = true; }
      var layer = entry.layer;
      if (entry.container.zoomToShowLayer) {
        // city level, then as far as the cluster needs to show the marker on its own
        var cluster = entry.container;
        var show = function () {
          cluster.zoomToShowLayer(layer, function () { layer.openPopup(); });
        };
        map.setView(layer.getLatLng(), Math.max(map.getZoom(), FOCUS_ZOOM), { animate: false });
        // a popup opened while the cluster re-forms would close again when it ends
        if (cluster._inZoomAnimation) cluster.once("animationend", show);
        else show();
      } else {
        map.fitBounds(layer.getBounds(), { maxZoom: FOCUS_ZOOM, padding: [30, 30] });
        layer.openPopup(layer.getBounds().getCenter());
      }
    }

    // Per-article layers: a place shows while any article that mentions it is on.
    var articleLayers = config.articleGroups.map(function (name) { return window[name]; });
    function refilter() {
      var on = articleLayers.map(function (g) { return map.hasLayer(g); });
      var add = {}, remove = {};
      entries.forEach(function (entry) {
        var want = !entry.place.r || entry.place.r.some(function (i) { return on[i]; });
        if (want === entry.shown) return;
        entry.shown = want;
        var key = layerKind(entry.place) + (entry.container.addLayers ? ":c" : ":g");
        var bucket = want ? add : remove;
        (bucket[key] = bucket[key] || { c: entry.container, layers: [] }).layers.push(entry.layer);
      });
      Object.keys(remove).forEach(function (k) {
        var b = remove[k];
        if (b.c.removeLayers) b.c.removeLayers(b.layers);
        else b.layers.forEach(function (l) { b.c.removeLayer(l); });
      });
      Object.keys(add).forEach(function (k) {
        var b = add[k];
        if (b.c.addLayers) b.c.addLayers(b.layers);
        else b.layers.forEach(function (l) { b.c.addLayer(l); });
      });
    }
    if (articleLayers.length) {
      map.on("overlayadd overlayremove", function (ev) {
        if (articleLayers.indexOf(ev.layer) >= 0) refilter();
      });
    }

    panel(config, entries, focus).addTo(map);
    legend(config).addTo(map);

    var api = { map: map, focus: function (id) { focus(byId[id]); }, entries: entries,
                config: config };
    maps[map.getContainer().id] = api;
    window.geomapMap = api; // the last map built on the page
    if (config.focus && byId[config.focus]) {
      setTimeout(function () { focus(byId[config.focus]); }, 0);
    }
    document.dispatchEvent(new CustomEvent("geomap:ready", { detail: { id: map.getContainer().id } }));
  };
})();
