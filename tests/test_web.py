"""The Flask app over a real temporary store: pages, map HTML, endpoints, escaping, errors."""

from __future__ import annotations

import io
import json
import re

import pytest
from conftest import csrf_token, finish_upload

from geomap.mapview import MapOptions, MapUrls, build_map, decode_places, render_parts
from geomap.store import PlaceSummary, Store

SEED_ID = "000_42821f2fae6c857c"
MAP_CALL = re.compile(r"geomapPlaces\((\w+), (\{.*?\})\);\s*$", re.S | re.M)
FOREIGN_URL = re.compile(r"(?:https?:)?//(?!127\.0\.0\.1|localhost)[\w.-]+\.[a-z]{2,}", re.I)


def map_config(html: str) -> dict:
    """The JSON the map page hands to geomap-map.js."""
    match = MAP_CALL.search(html)
    assert match, "no geomapPlaces(...) call in the page"
    return json.loads(match.group(2))


def places_by_name(config: dict) -> dict[str, dict]:
    return {p["n"]: p for p in decode_places(config)}


def test_map_page_embeds_every_place(client):
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    config = map_config(html)
    places = places_by_name(config)
    assert set(places) == {
        "Armenia",
        "Nagorno-Karabakh",
        "Zangezur corridor",
        "Yerevan",
        "Baku",
        "Ankara",
        "Nakhchivan",
    }
    corridor = places["Zangezur corridor"]
    assert corridor["g"]["type"] == "LineString" and corridor["s"] == "proposed"
    karabakh = places["Nagorno-Karabakh"]
    assert karabakh["g"]["type"] == "Polygon" and "Artsakh" in karabakh["a"]
    assert "<mark>Artsakh</mark>" in karabakh["x"]
    yerevan = places["Yerevan"]
    assert yerevan["g"] == {"type": "Point", "coordinates": [44.5136, 40.1811]}
    assert "pressure on <mark>Yerevan</mark> to open a land link" in yerevan["x"]
    assert f'href="/articles/{SEED_ID}"' in yerevan["x"]
    assert yerevan["gn"] == 616052 and yerevan["pt"] == [44.5136, 40.1811]
    assert "gn" not in corridor and corridor["pt"] == [46.3, 38.95]  # no GeoNames id: no "gn"
    # Most mentioned first in the data; layers per kind with their clusters
    assert config["places"][0][1] == "Armenia"
    assert set(config["groups"]) == {"country", "region", "corridor", "city"}
    assert set(config["clusters"]) == {"city"}
    assert config["basemap"] == "/static/basemap/countries.geojson"
    # the frame: folium map with max zoom (clustering without tiles), fit bounds, layer control
    assert '"maxZoom": 18' in html
    assert "L.control.layers(" in html
    assert config["bounds"] == [[38.85, 32.8543], [41.3, 49.892]]
    assert 'id="download-geojson" href="/places.geojson"' in html


def test_page_loads_nothing_from_other_hosts(client):
    html = client.get("/").get_data(as_text=True)
    assert FOREIGN_URL.findall(html) == []
    assert "cdn" not in html.lower() and "bootstrap" not in html.lower()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any("leaflet.js" in a for a in assets) and any("markercluster" in a for a in assets)
    assert any("jquery" in a for a in assets)
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_tiles_switch_to_a_tile_layer_with_attribution(app, client):
    app.config["TILES"] = "osm"
    html = client.get("/").get_data(as_text=True)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "OpenStreetMap" in html and "contributors" in html
    assert map_config(html)["basemap"] is None


def test_vendor_files_are_whitelisted(client):
    assert client.get("/static/vendor/leaflet/leaflet.css").status_code == 200
    assert client.get("/static/vendor/leaflet/images/layers.png").status_code == 200
    for url in (
        "/static/vendor/leaflet/leaflet-src.js",  # exists on disk, not whitelisted
        "/static/vendor/leaflet/../../../../etc/passwd",
        "/static/vendor/leaflet/%2e%2e/__init__.py",
        "/static/vendor/nope/leaflet.js",
        "/static/vendor/jquery/..%2F__init__.py",
    ):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert b"Traceback" not in resp.data


def test_basemap_is_natural_earth_countries(client):
    resp = client.get("/static/basemap/countries.geojson")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    doc = json.loads(resp.data)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) > 200
    assert 100_000 < len(resp.data) < 1_500_000


def test_geojson_download_is_the_parse_schema(app, client, seed_result):
    from geomap.export import result_to_geojson

    resp = client.get("/places.geojson")
    assert resp.status_code == 200
    assert resp.mimetype == "application/geo+json"
    assert "attachment" in resp.headers["Content-Disposition"]
    doc = json.loads(resp.data)
    assert doc == json.loads(json.dumps(result_to_geojson(seed_result)))
    one = json.loads(client.get(f"/places.geojson?article={SEED_ID}").data)
    assert one["articles"][0]["id"] == SEED_ID
    missing = client.get("/places.geojson?article=nope")
    assert missing.status_code == 404 and b"no article" in missing.data


def test_mentions_endpoint_pages_escaped_excerpts(client):
    resp = client.get("/api/places/ne:ARM/mentions?offset=0&limit=2")
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["place"]["name"] == "Armenia"
    assert data["total"] > 4 and len(data["items"]) == 2 and data["next"] == 2
    rest = client.get("/api/places/ne:ARM/mentions?offset=2&limit=100").get_json()
    assert rest["next"] is None and len(rest["items"]) == data["total"] - 2
    assert all("<mark>Armenia</mark>" in item["html"] for item in data["items"] + rest["items"])
    for bad in ("offset=-1", "limit=0", "limit=1000", "offset=x"):
        r = client.get(f"/api/places/ne:ARM/mentions?{bad}")
        assert r.status_code == 400 and "error" in r.get_json(), bad
    assert client.get("/api/places/nope:1/mentions").status_code == 404


def test_article_page_highlights_mentions(client):
    resp = client.get(f"/articles/{SEED_ID}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Blinken warns of invasion" in html
    assert re.search(
        r'<a class="gm-mention" href="/\?place=geonames(?::|%3A)616052" '
        r'data-place="geonames:616052"[^>]*><mark>Yerevan</mark></a>',
        html,
    )
    assert 'class="gm-unresolved" title="not placed: no candidate">Section 907<' in html
    config = map_config(html)
    assert config["article"] == SEED_ID and len(config["places"]) == 7
    assert client.get("/articles/nope").status_code == 404


def test_article_list(client):
    html = client.get("/articles").get_data(as_text=True)
    assert f'href="/articles/{SEED_ID}"' in html and "Blinken warns of invasion" in html


def test_untrusted_text_is_escaped_everywhere(app, client, xss_result):
    with Store(app.config["DATABASE"]) as store:
        store.save(xss_result)
    raw = ("<script>window.pwned", "<img src=x", 'onerror="window')
    for url in ("/", "/articles", "/articles/xss-1"):
        body = client.get(url).get_data(as_text=True)
        for bad in raw:
            assert bad not in body, (url, bad)
    article = client.get("/articles/xss-1").get_data(as_text=True)
    assert "Title &lt;script&gt;window.pwned=1;alert(1)&lt;/script&gt;&lt;img" in article
    assert "Protests &lt;script&gt;window.pwned=1;alert(1)&lt;/script&gt; spread" in article
    # in the map: the popup HTML the server builds is escaped; names travel as JSON
    yerevan = places_by_name(map_config(client.get("/").get_data(as_text=True)))["Yerevan"]
    assert "&lt;script&gt;window.pwned=1;alert(1)&lt;/script&gt;" in yerevan["x"]
    assert "&lt;img src=x onerror=" in yerevan["x"]
    assert "<script" not in yerevan["x"] and "<img" not in yerevan["x"]
    resp = client.get("/api/places/geonames:616052/mentions")
    assert resp.mimetype == "application/json"  # data, not a page: raw text is fine in there
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    api = resp.get_json()
    assert all("<script" not in i["html"] and "<img" not in i["html"] for i in api["items"])
    # an article layer's label (a title) is escaped too: Leaflet inserts it as HTML
    html = client.get("/").get_data(as_text=True)
    assert "Article: Title \\u0026lt;script\\u0026gt;" in html


def test_untrusted_place_names_stay_text(tmp_path):
    from geomap.models import Place

    evil = Place(
        "x:1",
        "</script><script>alert(1)</script>",
        "<b>kind</b>",
        {"type": "Point", "coordinates": [1, 2]},
        "x",
        ("<img src=x onerror=alert(1)>",),
    )
    urls = MapUrls("/l.js", "/l.css", "/c.js", ("/c.css",), "/j.js", "/m.js", "/m.css")
    m = build_map([PlaceSummary(evil, 1, ("a",))], urls, None, MapOptions())
    parts = render_parts(m)
    page = str(parts["script"])
    assert "</script><script>" not in page and "<img src=x" not in page and "<b>kind" not in page
    call = MAP_CALL.search(page)
    assert call is not None
    config = json.loads(call.group(2))
    assert config["places"][0][1] == "</script><script>alert(1)</script>"


def test_paste_an_article(app, client):
    token = csrf_token(client)
    text = "date 2024-05-01 Talks resumed in Yerevan while Baku waited."
    resp = client.post("/add", data={"text": text, "title": "Talks", "csrf_token": token})
    resp = finish_upload(client, resp)
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith("/articles/paste-")
    page = client.get(location).get_data(as_text=True)
    assert "Talks" in page and "<mark>Yerevan</mark>" in page and "2024-05-01" in page
    again = client.post("/add", data={"text": text, "title": "Talks", "csrf_token": token})
    again = finish_upload(client, again)
    assert again.headers["Location"] == location  # same content, same article
    config = map_config(client.get("/").get_data(as_text=True))
    assert places_by_name(config)["Yerevan"]["c"] == 2


def test_upload_files(app, client):
    token = csrf_token(client)
    data = {
        "file": (io.BytesIO(b"Baku and Ankara signed a deal."), "deal.txt"),
        "csrf_token": token,
    }
    resp = client.post("/add", data=data, content_type="multipart/form-data")
    resp = finish_upload(client, resp)
    assert resp.status_code == 303 and resp.headers["Location"] == "/articles/deal"
    doc = json.dumps({"id": "j1", "title": "JSON one", "text": "News from Yerevan."}).encode()
    resp = client.post(
        "/add",
        data={"file": (io.BytesIO(doc), "one.json"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert finish_upload(client, resp).headers["Location"] == "/articles/j1"
    assert app.config["FAKE_ENGINE"].calls == 2


def test_upload_errors_are_clear(app, client):
    token = csrf_token(client)
    resp = client.post(
        "/add",
        data={"file": (io.BytesIO(b"\x89PNG..."), "photo.png"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert b"unsupported file type .png" in resp.data and b"Traceback" not in resp.data
    resp = client.post("/add", data={"text": "   ", "csrf_token": token})
    assert resp.status_code == 400 and b"paste an article" in resp.data
    resp = client.post(
        "/add",
        data={"file": (io.BytesIO(b"{not json"), "x.json"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and b"invalid JSON" in resp.data


def test_upload_past_the_limit_is_413(app, client):
    big = io.BytesIO(b"Yerevan. " * (app.config["MAX_CONTENT_LENGTH"] // 9 + 10))
    resp = client.post(
        "/add",
        data={"file": (big, "big.txt"), "csrf_token": csrf_token(client)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413
    assert b"larger than the limit of 5.0 MB" in resp.data and b"Traceback" not in resp.data


def test_long_pasted_text_is_accepted_up_to_the_limit(client):
    text = "Yerevan. " + "Talks went on. " * 50_000  # ~750 KB, over Flask's 500 KB form default
    resp = client.post(
        "/add",
        data={"text": text, "csrf_token": csrf_token(client)},
        content_type="multipart/form-data",
    )
    assert finish_upload(client, resp, timeout=60).status_code == 303


def test_engine_is_created_once(app, client):
    made = []

    def factory():
        made.append(1)
        return app.config["FAKE_ENGINE"]

    app.config["ENGINE"] = factory
    token = csrf_token(client)
    for text in ("One in Baku.", "Two in Ankara."):
        resp = client.post("/add", data={"text": text, "csrf_token": token})
        assert finish_upload(client, resp).status_code == 303
    assert made == [1]


def test_errors_are_short_pages(tmp_path, basemap_dir):
    from geomap.web import create_app

    bad = tmp_path / "broken.db"
    bad.write_bytes(b"not a database at all" * 50)
    client = create_app(
        {"DATABASE": str(bad), "TILES": None, "BASEMAP_DIR": str(basemap_dir)}
    ).test_client()
    resp = client.get("/")
    assert resp.status_code == 500
    assert b"Database error" in resp.data and b"broken.db" in resp.data
    assert b"Traceback" not in resp.data and b'File "' not in resp.data
    assert client.get("/no/such/page").status_code == 404
    assert client.post("/places.geojson").status_code == 405


@pytest.mark.parametrize("tiles", ["ftp://x/{z}/{x}/{y}", "https://example.org/tiles.png"])
def test_bad_tile_templates_are_refused(tiles):
    from geomap.errors import ConfigError
    from geomap.mapview import tile_layer

    with pytest.raises(ConfigError, match="tiles must be"):
        tile_layer(tiles)


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "LineString", "coordinates": [[47.33, 39.45], [46.24, 38.9], [46.02, 38.91]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        {
            "type": "MultiPolygon",
            "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]],
        },
        {"type": "MultiPoint", "coordinates": [[44.1, 40.2], [44.3, 40.1]]},
        {"type": "GeometryCollection", "geometries": []},
    ],
)
def test_geometry_encoding_round_trips(geometry):
    from geomap.mapview import decode_geometry, encode_geometry

    encoded = encode_geometry(geometry)
    assert decode_geometry(json.loads(json.dumps(encoded))) == geometry


def test_big_responses_are_gzipped_for_clients_that_accept_it(client):
    import gzip

    plain = client.get("/static/basemap/countries.geojson")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/static/basemap/countries.geojson", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    small = client.get("/articles", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # not worth it under 32 KB


def test_pages_carry_a_content_security_policy(app, client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy
    app.config["TILES"] = "osm"
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in policy
