"""How big and how slow is the map page when the store is large?

    python benchmarks/bench_map.py [--places 10000] [--mentions 100000] [--db FILE]
                                   [--repeat 5] [--browser] [--no-folium-baseline]

Not a test: it prints a table. It builds (or reuses, with --db) a synthetic but realistic
store: the ~250 Natural Earth country polygons at full resolution (what the engine stores
for countries), irregular provinces and regions, corridors (half of them proposed),
named points for the rest; aliases for a third of the places; 20 mentions per article
in sentence-sized excerpts; mention counts per place Zipf-like, so a few places have
thousands of mentions and most have a handful. Ingest goes through ``Store.save``, one
transaction per article, and its rate is reported too.

Then, in the same run and against the same store:

* geomap: the map page ``/`` as served (compact place JSON, at most a few hundred excerpts
  inline, heavy popups fetched on open): bytes and median server time (Flask test client);
* naive baseline: the same map with every excerpt inline in the page;
* folium baseline (names only, no excerpts): one folium CircleMarker/GeoJson/PolyLine with
  a Popup per place, the plain folium way;
* the popup endpoint ``/api/places/<id>/mentions`` for the most mentioned place (first page
  and a deep page) and for a typical place;
* ``/places.geojson`` (the full export).

``--browser`` also loads the page in headless /usr/bin/chromium and reports the time until
the map is drawn and until a heavy popup shows its first excerpts. The machine is shared:
the 1-minute load average is printed with the results.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from geomap.models import Article, Mention, Place, Resolution  # noqa: E402
from geomap.store import Store  # noqa: E402

SYLLABLES = (
    "ka",
    "ra",
    "van",
    "tor",
    "mi",
    "sha",
    "lin",
    "go",
    "dar",
    "ne",
    "bel",
    "os",
    "ti",
    "zan",
    "ur",
    "pol",
    "ek",
    "sar",
    "yu",
    "mo",
    "gra",
    "di",
    "ha",
    "vel",
)
VERBS = (
    "met",
    "warned",
    "reported",
    "signed an agreement",
    "closed the border",
    "announced new measures",
    "held talks",
    "rejected the proposal",
    "opened a route",
)
SUBJECTS = (
    "Officials",
    "Residents",
    "The ministry",
    "Protesters",
    "Observers",
    "Envoys",
    "Local media",
    "The governor",
    "Aid groups",
    "Troops",
)


def made_up_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def blob(rng: random.Random, lon: float, lat: float, radius: float, n: int) -> dict[str, Any]:
    """An irregular closed polygon around (lon, lat), counter-clockwise."""
    ring = []
    for i in range(n):
        a = 2 * math.pi * i / n
        r = radius * rng.uniform(0.6, 1.0)
        ring.append([round(lon + r * math.cos(a), 5), round(lat + r * 0.8 * math.sin(a), 5)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def country_places() -> list[Place]:
    """Natural Earth admin-0 polygons at full resolution, as the engine stores countries."""
    import shapefile

    from geomap.mapview import natural_earth_zip

    places = []
    with shapefile.Reader(str(natural_earth_zip())) as reader:
        for rec in reader.iterShapeRecords():
            if not rec.shape.points:
                continue
            r = rec.record.as_dict()
            code = r.get("ADM0_A3") or r.get("ISO_A3")
            geometry = rec.shape.__geo_interface__
            geometry = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
            xs = [p[0] for p in rec.shape.points]
            ys = [p[1] for p in rec.shape.points]
            aliases = tuple({r.get("NAME_LONG"), r.get("FORMAL_EN")} - {None, "", r["NAME"]})
            places.append(
                Place(
                    f"ne:{code}",
                    r["NAME"],
                    "country",
                    geometry,
                    "ne",
                    aliases,
                    lat=sum(ys) / len(ys),
                    lon=sum(xs) / len(xs),
                )
            )
    return places


def synthetic_places(rng: random.Random, total: int) -> list[Place]:
    places = country_places()
    used = {p.name for p in places}

    def fresh() -> str:
        name = made_up_name(rng)
        while name in used:
            name = made_up_name(rng) + " " + made_up_name(rng)
        used.add(name)
        return name

    def spot() -> tuple[float, float]:
        return rng.uniform(-120, 150), rng.uniform(-45, 65)

    n_admin1, n_regions, n_corridors = int(total * 0.06), int(total * 0.015), int(total * 0.005)
    for i in range(n_admin1):
        lon, lat = spot()
        places.append(
            Place(
                f"admin1:X{i}",
                fresh(),
                "admin1",
                blob(rng, lon, lat, rng.uniform(0.3, 1.5), 48),
                "admin1",
                lat=lat,
                lon=lon,
            )
        )
    for i in range(n_regions):
        lon, lat = spot()
        places.append(
            Place(
                f"curated:region-{i}",
                fresh(),
                "region",
                blob(rng, lon, lat, rng.uniform(0.5, 2.5), 64),
                "curated",
                (fresh(),),
                lat=lat,
                lon=lon,
            )
        )
    for i in range(n_corridors):
        lon, lat = spot()
        line = [
            [round(lon + k * 0.3, 4), round(lat + rng.uniform(-0.2, 0.2), 4)]
            for k in range(rng.randint(4, 12))
        ]
        places.append(
            Place(
                f"curated:corridor-{i}",
                fresh() + " corridor",
                "corridor",
                {"type": "LineString", "coordinates": line},
                "curated",
                status="proposed" if i % 2 else None,
                lat=lat,
                lon=lon,
            )
        )
    i = 0
    while len(places) < total:
        lon, lat = spot()
        kind = rng.choices(("city", "town", "village"), (5, 3, 2))[0]
        aliases = (fresh(),) if rng.random() < 0.33 else ()
        places.append(
            Place(
                f"geonames:{1000000 + i}",
                fresh(),
                kind,
                {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]},
                "geonames",
                aliases,
                lat=lat,
                lon=lon,
            )
        )
        i += 1
    return places[:total]


def build_store(path: Path, n_places: int, n_mentions: int, per_article: int = 20) -> float:
    """Fill ``path``; returns the articles stored per second."""
    rng = random.Random(42)
    places = synthetic_places(rng, n_places)
    rng.shuffle(places)
    # Zipf-like popularity; every place gets at least one mention
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(places))]
    picks = list(range(len(places)))
    picks += rng.choices(range(len(places)), weights, k=n_mentions - len(places))
    rng.shuffle(picks)
    n_articles = math.ceil(n_mentions / per_article)
    started = time.perf_counter()
    with Store(path) as store:
        for a in range(n_articles):
            chunk = picks[a * per_article : (a + 1) * per_article]
            parts: list[str] = []
            spans: list[tuple[int, int, int, str]] = []
            pos = 0
            for idx in chunk:
                name = places[idx].name
                lead = f"{rng.choice(SUBJECTS)} in "
                sentence = (
                    f"{lead}{name} {rng.choice(VERBS)} on {rng.choice(('Monday', 'Friday'))}."
                )
                spans.append((idx, pos + len(lead), pos + len(lead) + len(name), sentence))
                parts.append(sentence)
                pos += len(sentence) + 1
            text = " ".join(parts)
            art = Article(
                f"a{a:05d}",
                text,
                title=f"Report {a}: {places[chunk[0]].name}",
                date=f"2024-{1 + a % 12:02d}-{1 + a % 28:02d}",
            )
            resolutions = [
                Resolution(
                    Mention(art.id, places[i].name, s, e, sent, "GPE"), places[i], 0.8, "benchmark"
                )
                for i, s, e, sent in spans
            ]
            store.save(art, resolutions)
    return n_articles / (time.perf_counter() - started)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall seconds over ``repeat`` runs (after one warm-up) and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def folium_per_place_bytes(store: Store) -> tuple[float, int]:
    """The plain folium way: one object with a Popup per place (names only)."""
    import folium
    from folium.plugins import MarkerCluster
    from markupsafe import escape

    t = time.perf_counter()
    m = folium.Map(tiles=None)
    cluster = MarkerCluster().add_to(m)
    for s in store.places():
        p = s.place
        popup = folium.Popup(str(escape(f"{p.name} ({p.kind}), {s.mentions} mentions")))
        g = p.geometry
        if g["type"] == "Point":
            folium.CircleMarker(
                [g["coordinates"][1], g["coordinates"][0]], radius=5, popup=popup
            ).add_to(cluster)
        else:
            folium.GeoJson(g, popup=cast(Any, popup)).add_to(m)  # folium accepts any Popup
    size = len(m.get_root().render().encode("utf-8"))
    return time.perf_counter() - t, size


def browser_times(app: Any, heavy_id: str) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            t = time.perf_counter()
            page.goto(base + "/")
            while not page.evaluate("() => Boolean(window.geomapMap)"):
                page.wait_for_timeout(20)
            drawn = time.perf_counter() - t
            t = time.perf_counter()
            page.evaluate("id => window.geomapMap.focus(id)", heavy_id)
            page.locator(".leaflet-popup-content .gm-excerpts li").first.wait_for()
            popup = time.perf_counter() - t
            browser.close()
    finally:
        server.shutdown()
    return drawn, popup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="Reuse (or create) this store file.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="Also time headless Chromium.")
    parser.add_argument("--no-folium-baseline", action="store_true")
    args = parser.parse_args()

    from geomap.mapview import MapOptions, render_parts, store_map
    from geomap.web import create_app
    from geomap.web.pages import map_urls

    tmp = Path(tempfile.mkdtemp(prefix="geomap-bench-map-"))
    db = args.db or tmp / "bench.db"
    ingest_rate = None
    if not db.exists():
        print(f"building {db}: {args.places} places, {args.mentions} mentions ...", flush=True)
        ingest_rate = build_store(db, args.places, args.mentions)
    with Store(db) as store:
        counts = store.counts()
        places = store.places()
    heavy, typical = places[0], places[len(places) // 2]
    print(
        f"store: {counts['articles']} articles, {counts['places']} places, "
        f"{counts['mentions']} mentions; most mentioned: {heavy.place.name} "
        f"({heavy.mentions}), median place: {typical.mentions} mentions"
    )
    if ingest_rate:
        print(f"ingest: {ingest_rate:.0f} articles/s (Store.save, one transaction each)")

    app = create_app({"DATABASE": str(db), "TILES": None, "BASEMAP_DIR": str(tmp)})
    client = app.test_client()
    rows: list[tuple[str, str, str]] = []

    def get(url: str) -> bytes:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        return resp.data

    seconds, page = timed(lambda: get("/"), args.repeat)
    rows.append(("geomap map page /", f"{len(page):,} B", f"{seconds * 1000:.0f} ms"))
    packed = client.get("/", headers={"Accept-Encoding": "gzip"}).data
    rows.append(("  the same, gzip on the wire", f"{len(packed):,} B", ""))

    with app.test_request_context("/"), Store(db) as store:
        urls = map_urls()
        naive = MapOptions(inline_limit=10**9, inline_budget=10**9)
        t = time.perf_counter()
        html = render_parts(store_map(store, urls, naive))
        naive_s = time.perf_counter() - t
        naive_bytes = sum(len(str(v).encode("utf-8")) for v in html.values())
    rows.append(("naive: every excerpt inline", f"{naive_bytes:,} B", f"{naive_s * 1000:.0f} ms"))

    if not args.no_folium_baseline:
        with Store(db) as store:
            folium_s, folium_bytes = folium_per_place_bytes(store)
        rows.append(
            (
                "folium object+Popup per place (names only)",
                f"{folium_bytes:,} B",
                f"{folium_s * 1000:.0f} ms",
            )
        )

    hid = heavy.place.id
    for label, url in (
        (f"popup, most mentioned ({heavy.mentions}), first 20", f"/api/places/{hid}/mentions"),
        (
            "popup, most mentioned, deep page",
            f"/api/places/{hid}/mentions?offset={max(0, heavy.mentions - 40)}&limit=20",
        ),
        (f"popup, median place ({typical.mentions})", f"/api/places/{typical.place.id}/mentions"),
    ):
        seconds, body = timed(functools.partial(get, url), args.repeat)
        rows.append((label, f"{len(body):,} B", f"{seconds * 1000:.1f} ms"))
    seconds, body = timed(lambda: get("/places.geojson"), max(1, args.repeat // 2))
    rows.append(("/places.geojson (full export)", f"{len(body):,} B", f"{seconds * 1000:.0f} ms"))
    get("/static/basemap/countries.geojson")  # build once, untimed
    seconds, body = timed(lambda: get("/static/basemap/countries.geojson"), args.repeat)
    rows.append(
        ("base layer (cached, once per browser)", f"{len(body):,} B", f"{seconds * 1000:.1f} ms")
    )

    if args.browser:
        if not Path("/usr/bin/chromium").exists():
            print("--browser: /usr/bin/chromium is missing; skipped")
        else:
            drawn, popup = browser_times(app, hid)
            rows.append(("chromium: page load until drawn", "", f"{drawn * 1000:.0f} ms"))
            rows.append(("chromium: heavy popup until 1st excerpt", "", f"{popup * 1000:.0f} ms"))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'what':<{width}}  {'size':>14}  {'median time':>12}")
    print("-" * (width + 30))
    for what, size, secs in rows:
        print(f"{what:<{width}}  {size:>14}  {secs:>12}")
    print(
        f"\nrepeat={args.repeat}; load average (1 min): {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
