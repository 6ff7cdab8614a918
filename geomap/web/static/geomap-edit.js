/* geomap editing: for a logged-in editor, every excerpt in a map popup (and every
 * highlighted or unresolved mention on an article page) gets a "Correct" action that
 * opens a panel: pick another place (what the gazetteers offer, or a search), mark it
 * "not a place", or add a new place (type the coordinates or click the map); choose a
 * scope; save. The page then reloads with the store's new answer.
 *
 * Untrusted text (names, notes, article text) only enters the page through textContent.
 */
(function () {
  "use strict";

  var config = document.getElementById("gm-edit-config");
  if (!config) return;
  var CSRF = config.getAttribute("data-csrf");
  var SAVE_URL = config.getAttribute("data-corrections");
  var CANDIDATES_URL = config.getAttribute("data-candidates");
  var ONLINE = config.getAttribute("data-online") === "1";
  var KINDS = ["village", "town", "city", "district", "region", "checkpoint", "building",
               "landmark", "corridor", "river", "mountain", "other"];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function field(labelText, input) {
    var label = el("label", "gm-edit-field");
    label.appendChild(el("span", null, labelText));
    label.appendChild(input);
    return label;
  }

  function input(type, name, value) {
    var node = el("input");
    node.type = type;
    node.name = name;
    if (value !== undefined) node.value = value;
    return node;
  }

  var panel = null;
  var pickMarker = null;
  var pickHandler = null;

  function stopPicking() {
    var api = window.geomapMap;
    if (api && pickHandler) api.map.off("click", pickHandler);
    if (api && pickMarker) api.map.removeLayer(pickMarker);
    pickHandler = null;
    pickMarker = null;
  }

  function close() {
    stopPicking();
    if (panel) panel.remove();
    panel = null;
  }

  function open(mention) {
    close();
    panel = el("section", "gm-edit-panel");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "Correct a mention");
    var head = el("h2", null, "Correct “" + mention.text + "”");
    panel.appendChild(head);
    if (mention.current) panel.appendChild(el("p", "gm-edit-current", "Now: " + mention.current));

    var form = el("form", "gm-edit-form");
    panel.appendChild(form);

    // 1. another place: what the gazetteers offer for the name, or for a search
    var choices = el("fieldset", "gm-edit-choices");
    choices.appendChild(el("legend", null, "Choose the right place"));
    var list = el("div", "gm-edit-candidates");
    choices.appendChild(list);
    var search = input("search", "q", mention.text);
    search.className = "gm-edit-search";
    search.setAttribute("aria-label", "Search the gazetteers");
    var searchButton = el("button", "gm-button", "Search");
    searchButton.type = "button";
    var searchRow = el("div", "gm-edit-row");
    searchRow.appendChild(search);
    searchRow.appendChild(searchButton);
    if (ONLINE) {
      var onlineButton = el("button", "gm-button gm-edit-online", "Search online");
      onlineButton.type = "button";
      onlineButton.addEventListener("click", function () { load(search.value.trim(), true); });
      searchRow.appendChild(onlineButton);
    }
    var found = []; // the candidates listed, by index (an online one becomes a new place)
    choices.appendChild(searchRow);
    form.appendChild(choices);

    function option(value, text, detail) {
      var label = el("label", "gm-edit-option");
      var radio = input("radio", "choice", value);
      label.appendChild(radio);
      label.appendChild(el("span", "gm-edit-option-name", text));
      if (detail) label.appendChild(el("small", null, " " + detail));
      return label;
    }

    function load(name, online) {
      list.textContent = "";
      found = [];
      list.appendChild(el("p", "gm-note", "Looking up “" + name + "”…"));
      var url = CANDIDATES_URL + "?q=" + encodeURIComponent(name) + (online ? "&online=1" : "");
      fetch(url, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      })
        .then(function (r) {
          return r.json().then(function (data) {
            if (!r.ok) throw new Error(data.error || "HTTP " + r.status);
            return data;
          });
        })
        .then(function (data) {
          list.textContent = "";
          if (!data.candidates.length) list.appendChild(el("p", "gm-note", "No place has that name."));
          data.candidates.forEach(function (c, i) {
            var where = [c.kind, c.country].filter(Boolean).join(", ");
            found[i] = c;
            list.appendChild(option(c.online ? "online:" + i : "place:" + c.id,
                                    c.name + " (" + where + ")", c.id + " · " + c.reason));
          });
        })
        .catch(function (err) {
          list.textContent = "";
          list.appendChild(el("p", "gm-error", "Could not look it up: " + err.message));
        });
    }
    searchButton.addEventListener("click", function () { load(search.value.trim()); });
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); load(search.value.trim()); }
    });
    load(mention.text);

    // 2. not a place; 3. a new place
    var other = el("fieldset", "gm-edit-other");
    other.appendChild(el("legend", null, "…or"));
    other.appendChild(option("not-a-place", "Not a place"));
    other.appendChild(option("new-place", "A new place"));
    var fresh = el("div", "gm-edit-new");
    fresh.hidden = true;
    var newName = input("text", "new_name", mention.text);
    var kind = el("select");
    kind.name = "kind";
    KINDS.forEach(function (k) { kind.appendChild(el("option", null, k)); });
    var lat = input("number", "lat");
    var lon = input("number", "lon");
    lat.step = lon.step = "any";
    var aliases = input("text", "aliases");
    aliases.placeholder = "other names, comma-separated";
    fresh.appendChild(field("Name", newName));
    fresh.appendChild(field("Kind", kind));
    fresh.appendChild(field("Latitude", lat));
    fresh.appendChild(field("Longitude", lon));
    fresh.appendChild(field("Other names", aliases));
    fresh.appendChild(el("p", "gm-note", "Type the coordinates or click the map."));
    other.appendChild(fresh);
    form.appendChild(other);

    function pickOnMap() {
      var api = window.geomapMap;
      if (!api || pickHandler) return;
      pickHandler = function (ev) {
        var ll = ev.latlng.wrap(); // a world view repeats: -203° is 157°
        lat.value = ll.lat.toFixed(5);
        lon.value = ll.lng.toFixed(5);
        if (pickMarker) pickMarker.setLatLng(ll);
        else pickMarker = L.marker(ll, { title: "new place" }).addTo(api.map);
      };
      api.map.on("click", pickHandler);
    }

    form.addEventListener("change", function (ev) {
      if (ev.target.name !== "choice") return;
      fresh.hidden = ev.target.value !== "new-place";
      if (!fresh.hidden) pickOnMap();
      else stopPicking();
    });

    // scope, focus country, note
    var scope = el("select", "gm-edit-scope");
    scope.name = "scope";
    [["mention", "this mention only"], ["article", "this name in this article"],
     ["everywhere", "this name everywhere"]].forEach(function (pair) {
      var o = el("option", null, pair[1]);
      o.value = pair[0];
      scope.appendChild(o);
    });
    var country = input("text", "country");
    country.maxLength = 2;
    country.placeholder = "e.g. AM";
    var countryField = field("Only in articles about (country code)", country);
    countryField.hidden = true;
    scope.addEventListener("change", function () {
      countryField.hidden = scope.value !== "everywhere";
    });
    var note = el("textarea", "gm-edit-note");
    note.name = "note";
    note.rows = 2;
    form.appendChild(field("Scope", scope));
    form.appendChild(countryField);
    form.appendChild(field("Note", note));

    var status = el("p", "gm-edit-status");
    status.setAttribute("role", "status");
    var save = el("button", "gm-button gm-edit-save", "Save correction");
    save.type = "submit";
    var cancel = el("button", "gm-button gm-edit-cancel", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", close);
    var buttons = el("div", "gm-edit-row");
    buttons.appendChild(save);
    buttons.appendChild(cancel);
    form.appendChild(buttons);
    form.appendChild(status);

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var picked = form.querySelector("input[name=choice]:checked");
      if (!picked) { status.textContent = "Choose a place, “not a place” or a new place."; return; }
      var body = { article: mention.article, start: mention.start, end: mention.end,
                   scope: scope.value, note: note.value };
      if (scope.value === "everywhere" && country.value.trim()) {
        body.country = country.value.trim().toUpperCase();
      }
      if (picked.value === "not-a-place") body.not_a_place = true;
      else if (picked.value === "new-place") {
        body.new_place = {
          name: newName.value, kind: kind.value,
          lat: parseFloat(lat.value), lon: parseFloat(lon.value),
          aliases: aliases.value.split(",").map(function (s) { return s.trim(); })
            .filter(Boolean),
        };
      } else if (picked.value.indexOf("online:") === 0) {
        // an online answer is copied into the store as a new place, so it works offline
        var c = found[parseInt(picked.value.slice("online:".length), 10)];
        body.new_place = { name: c.name, kind: c.kind, lat: c.lat, lon: c.lon,
                           aliases: c.name === mention.text ? [] : [mention.text],
                           source: c.id + " · " + c.reason };
      } else body.place = picked.value.slice("place:".length);
      save.disabled = true;
      status.textContent = "Saving…";
      fetch(SAVE_URL, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
                   "X-CSRFToken": CSRF },
        body: JSON.stringify(body),
      })
        .then(function (r) {
          return r.json().then(function (data) { return { ok: r.ok, data: data }; });
        })
        .then(function (res) {
          if (!res.ok) throw new Error(res.data.error || "refused");
          status.textContent = "Saved; " + res.data.reapplied.length + " article(s) updated.";
          window.location.reload();
        })
        .catch(function (err) {
          save.disabled = false;
          status.textContent = "Not saved: " + err.message;
        });
    });

    document.body.appendChild(panel);
    var first = panel.querySelector("input, select, textarea, button");
    if (first) first.focus();
  }

  function mentionOf(node, current) {
    return {
      article: node.getAttribute("data-article"),
      start: parseInt(node.getAttribute("data-start"), 10),
      end: parseInt(node.getAttribute("data-end"), 10),
      text: node.getAttribute("data-text"),
      current: current,
    };
  }

  // Excerpts in popups: they arrive with the popup, or page by page later.
  function decorate(root) {
    var items = root.querySelectorAll("li[data-article]:not([data-gm-edit])");
    Array.prototype.forEach.call(items, function (li) {
      li.setAttribute("data-gm-edit", "1");
      var button = el("button", "gm-edit-open", "Correct…");
      button.type = "button";
      button.addEventListener("click", function (ev) {
        ev.preventDefault();
        ev.stopPropagation();
        var name = li.closest(".gm-popup");
        var heading = name ? name.querySelector(".gm-popup-name") : null;
        open(mentionOf(li, heading ? heading.textContent : null));
      });
      li.appendChild(button);
    });
  }
  new MutationObserver(function (records) {
    records.forEach(function (rec) {
      Array.prototype.forEach.call(rec.addedNodes, function (n) {
        if (n.nodeType === 1) decorate(n.matches && n.matches("li") ? n.parentNode : n);
      });
    });
  }).observe(document.body, { childList: true, subtree: true });

  // The article page: a mention's own correct button, beside the text.
  var spans = document.querySelectorAll(".gm-text [data-article][data-start]");
  Array.prototype.forEach.call(spans, function (node) {
    var button = el("button", "gm-edit-inline", "✎");
    button.type = "button";
    button.title = "Correct this mention";
    button.setAttribute("aria-label", "Correct “" + node.getAttribute("data-text") + "”");
    button.addEventListener("click", function () {
      open(mentionOf(node, node.getAttribute("data-current")));
    });
    node.after(button);
  });
})();
