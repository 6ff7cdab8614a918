"""The online layer, through geopy's real Nominatim (and Photon) classes talking HTTP
to a fake service on 127.0.0.1 (tests/fake_nominatim.py). No other network."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import csrf_token, finish_upload
from fake_nominatim import FakeGeocoderServer, closed_port_url
from geopy.geocoders import Nominatim

from geomap.config import Settings, load_settings
from geomap.errors import ConfigError, GeocoderUnavailable, GeocodingError
from geomap.export import feature_collection
from geomap.gazetteer.cache import GeocoderCache
from geomap.gazetteer.geocoders import (
    OnlineGeocoder,
    build_online_layer,
    online_candidates,
    online_resolution,
    pick_online,
)
from geomap.models import Article, Mention, Resolution

MIN_DELAY = 0.3
TIMEOUT = 0.5
UA = "geomap-tests/1.0 (tests@example.org)"


@pytest.fixture
def server():
    with FakeGeocoderServer() as srv:
        yield srv


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "geocoder-cache.sqlite"


def make(url: str, cache_file: Path, **kwargs) -> OnlineGeocoder:
    """A fresh geocoder, as a new run would build it (same cache file = same user)."""
    kwargs.setdefault("timeout", TIMEOUT)
    kwargs.setdefault("min_delay", MIN_DELAY)
    ttl = kwargs.pop("ttl_days", 30.0)
    clock = kwargs.pop("cache_clock", time.time)
    cache = GeocoderCache(cache_file, ttl_days=ttl, clock=clock)
    return OnlineGeocoder(kwargs.pop("provider", "nominatim"), url=url, user_agent=UA,
                          cache=cache, **kwargs)  # fmt: skip


def unresolved(text: str, article: str = "a1", start: int = 0) -> Resolution:
    mention = Mention(article, text, start, start + len(text), f"Fighting near {text}.", "GPE")
    return Resolution(mention, None, 0.0, "not in the offline gazetteers")


# -- placing what the gazetteers do not know ------------------------------------------------


def test_place_absent_from_gazetteers_is_placed_with_its_polygon(server, cache_file):
    geo = make(server.url, cache_file)
    res = online_resolution(geo, unresolved("the Kerem Shalom crossing"), threshold=0.35)
    place = res.place
    assert place is not None, res.why
    assert place.id == "geocoder:nominatim:way/9000001"
    assert place.name == "Kerem Shalom Crossing"
    assert place.kind == "crossing"
    assert place.country == "IL"
    assert place.source == "geocoder:nominatim"
    assert place.geometry["type"] == "Polygon"
    assert (place.lat, place.lon) == pytest.approx((31.2236, 34.2842))
    assert res.confidence >= 0.35
    # provenance: which service, what was asked, when
    assert place.extra["source"] == "geocoder:nominatim"
    assert place.extra["query"] == "Kerem Shalom crossing"
    assert place.extra["fetched_at"].endswith("Z")
    assert "OpenStreetMap" in place.extra["licence"]
    # geopy's own Nominatim class made the request, asking for polygons in English
    (req,) = server.searches()
    assert req.path == "/search"
    assert req.params["polygon_geojson"] == "1"
    assert req.params["format"] == "json"
    assert req.params["accept-language"] == "en"
    assert req.user_agent == UA
    assert isinstance(geo.client, Nominatim)


def test_geocoder_places_reach_the_geojson_output(server, cache_file):
    geo = make(server.url, cache_file)
    text = "Shelling hit Nahal Oz overnight."
    m = Mention("a1", "Nahal Oz", 13, 21, text, "GPE")
    assert text[m.start : m.end] == m.text
    res = online_resolution(geo, Resolution(m, None, 0.0, "no candidate"), threshold=0.35)
    fc = feature_collection([Article("a1", text)], [res])
    (feature,) = fc["features"]
    assert feature["geometry"]["type"] == "Polygon"
    props = feature["properties"]
    assert props["source"] == "geocoder:nominatim"
    assert props["query"] == "Nahal Oz"
    assert props["mentions"][0]["text"] == "Nahal Oz"
    assert fc["unresolved"] == []


def test_point_only_answer_keeps_the_point(server, cache_file):
    geo = make(server.url, cache_file)
    (cand,) = geo.candidates("Zikim")
    assert cand.geometry is None
    assert cand.to_place().geometry == {"type": "Point", "coordinates": [34.5236, 31.6086]}
    assert cand.aliases == ("זיקים",)


def test_geopy_interface_still_works(server, cache_file):
    geo = make(server.url, cache_file)
    loc = geo.geocode("Nahal Oz")
    assert loc is not None and loc.address == "Nahal Oz"
    assert (loc.latitude, loc.longitude) == pytest.approx((31.4722, 34.4975))


def test_namesakes_far_apart_make_it_abstain_unless_the_article_says_where(server, cache_file):
    geo = make(server.url, cache_file)
    found = online_candidates(geo, "Springfield")
    assert [c.admin1 for c in found] == ["Illinois", "Missouri"]
    assert found[0].population == 114394
    picked = pick_online("Springfield", found)
    assert picked is not None
    _, confidence, why = picked
    assert confidence < 0.35 and "namesake" in why
    res = online_resolution(geo, unresolved("Springfield"), threshold=0.35)
    assert res.place is None and "best guess" in res.why
    picked = pick_online("Springfield", found, countries={"US"})
    assert (
        picked is not None and picked[1] >= 0.35
    )  # both are in the US: still the service's first answer
    assert len(server.searches()) == 1


def test_answer_named_unlike_the_mention_is_not_trusted(server, cache_file):
    server.places["blinken"] = [dict(server.places["zikim"][0], name="Blinkenweg")]
    geo = make(server.url, cache_file)
    res = online_resolution(geo, unresolved("Blinken"), threshold=0.35)
    assert res.place is None


# -- the cache ----------------------------------------------------------------------------


def test_second_run_makes_no_request(server, cache_file):
    first = make(server.url, cache_file)
    assert first.candidates("Nahal Oz")
    assert len(server.searches()) == 1
    second = make(server.url, cache_file)  # a new run: new objects, same cache file
    again = second.candidates("nahal  OZ")  # same normalized query
    assert [c.id for c in again] == ["geocoder:nominatim:relation/9000002"]
    assert again[0].geometry is not None and again[0].geometry["type"] == "Polygon"
    assert len(server.searches()) == 1
    assert second.requests_made == 0


def test_negative_answers_are_cached_and_expire(server, cache_file):
    now = [1_000_000.0]
    geo = make(server.url, cache_file, ttl_days=1, cache_clock=lambda: now[0])
    assert geo.candidates("Atlantis") == []
    assert (
        make(server.url, cache_file, ttl_days=1, cache_clock=lambda: now[0]).candidates("Atlantis")
        == []
    )
    assert server.queries() == ["Atlantis"]
    now[0] += 2 * 86400  # past the TTL: asked again (the map grows)
    later = make(server.url, cache_file, ttl_days=1, cache_clock=lambda: now[0])
    assert later.candidates("Atlantis") == []
    assert server.queries() == ["Atlantis", "Atlantis"]


@pytest.mark.parametrize(("behaviour", "body"), [("503", None), ("body", {"a": 1})])
def test_expired_positive_answer_survives_an_outage(server, cache_file, behaviour, body):
    """Down, or answering nonsense: the place known before is kept (and not overwritten)."""
    now = [1_000_000.0]
    geo = make(server.url, cache_file, ttl_days=1, cache_clock=lambda: now[0])
    assert geo.candidates("Zikim")
    now[0] += 2 * 86400
    server.behaviour, server.body = behaviour, body
    stale = make(server.url, cache_file, ttl_days=1, cache_clock=lambda: now[0], max_retries=0)
    assert [c.name for c in stale.candidates("Zikim")] == ["Zikim"]  # stale-if-error


def test_cache_is_shared_by_two_processes(server, cache_file):
    """WAL lets another process read and write the cache while this one holds it open."""
    import subprocess
    import sys

    holder = GeocoderCache(cache_file)
    holder.put("nominatim", "s", "x", "X", [])
    code = (
        "import sys; from geomap.gazetteer.cache import GeocoderCache\n"
        "c = GeocoderCache(sys.argv[1]); assert c.get('nominatim', 's', 'x').negative\n"
        "c.put('nominatim', 's', 'y', 'Y', [{'lat': '1', 'lon': '2'}])\n"
    )
    subprocess.run([sys.executable, "-c", code, str(cache_file)], check=True, timeout=60)
    entry = holder.get("nominatim", "s", "y")
    assert entry is not None and entry.answer == [{"lat": "1", "lon": "2"}]
    assert holder.path.with_name(holder.path.name + "-wal").exists()


# -- politeness -----------------------------------------------------------------------------


def record_sends(geo: OnlineGeocoder, sent: list[float]) -> None:
    """Stamp the moment geopy's HTTP adapter sends each request, on the wall clock that the
    limiter books its cross-process slots with (a second clock drifts by microseconds)."""
    get_json = geo.client.adapter.get_json

    def stamped(url, **kwargs):
        sent.append(time.time())
        return get_json(url, **kwargs)

    geo.client.adapter.get_json = stamped


def gaps(times: list[float]) -> list[float]:
    """Gaps between sends plus JITTER: the limiter stamps a slot just before geopy builds the
    request, and on a loaded machine geopy may take some milliseconds more for one request
    than for the next (a missing limiter leaves gaps of about 0 s, far below the bound)."""
    return [b - a + JITTER for a, b in zip(times, times[1:], strict=False)]


# The client spaces requests exactly; the server's arrival stamps also carry thread
# scheduling delay on a loaded machine (one late stamp shortens the next gap), so the
# server side checks the span of all requests, with 50 ms of slack.
JITTER = 0.05


def test_new_names_are_asked_at_least_min_delay_apart(server, cache_file):
    geo = make(server.url, cache_file)
    sent: list[float] = []
    record_sends(geo, sent)
    for name in ("Nahal Oz", "Zikim", "Nahal Oz", "Atlantis"):
        geo.candidates(name)
    assert server.queries() == ["Nahal Oz", "Zikim", "Atlantis"]
    assert len(sent) == 3 and min(gaps(sent)) >= MIN_DELAY, gaps(sent)
    arrived = [r.time for r in server.searches()]
    assert arrived[-1] - arrived[0] >= 2 * MIN_DELAY - JITTER, gaps(arrived)


def test_two_geocoders_sharing_a_cache_share_the_rate_limit(server, cache_file):
    """Two processes (here: two objects with separate RateLimiters) book slots in the file."""
    a, b = make(server.url, cache_file), make(server.url, cache_file)
    sent: list[float] = []
    record_sends(a, sent)
    record_sends(b, sent)
    a.candidates("Nahal Oz")
    b.candidates("Zikim")
    a.candidates("Atlantis")
    assert len(sent) == 3 and min(gaps(sent)) >= MIN_DELAY, gaps(sent)
    arrived = [r.time for r in server.searches()]
    assert arrived[-1] - arrived[0] >= 2 * MIN_DELAY - JITTER, gaps(arrived)


def test_user_agent_is_required_for_nominatim(tmp_path):
    with pytest.raises(ConfigError, match="User-Agent"):
        load_settings({"geocoder": "nominatim"}, environ={})
    with pytest.raises(ConfigError, match="User-Agent"):
        OnlineGeocoder("nominatim", url="http://127.0.0.1:9", user_agent="  ")
    # Photon asks for none
    assert load_settings({"geocoder": "photon"}, environ={}).user_agent is None


def test_build_online_layer_follows_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    assert build_online_layer(Settings()) is None
    settings = load_settings(
        {"geocoder": "nominatim", "geocoder_url": "http://127.0.0.1:8080/nominatim/",
         "user_agent": UA, "geocoder_timeout": 7, "geocoder_min_delay": 2},
        environ={},
    )  # fmt: skip
    layer = build_online_layer(settings)
    assert layer is not None
    assert layer.client.api == "http://127.0.0.1:8080/nominatim/search"
    assert layer.client.timeout == 7 and layer.min_delay == 2
    assert layer.cache is not None and layer.cache.path == tmp_path / "geocoder-cache.sqlite"
    public = build_online_layer(load_settings({"geocoder": "photon"}, environ={}))
    assert public is not None and public.client.api == "https://photon.komoot.io/api"
    with pytest.raises(ConfigError):
        build_online_layer(replace_url(settings, "ftp://example.org"))


def replace_url(settings: Settings, url: str) -> Settings:
    from dataclasses import replace

    return replace(settings, geocoder_url=url)


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("behaviour", ["503", "429", "500"])
def test_service_errors_are_retried_then_reported(server, cache_file, behaviour):
    server.behaviour = behaviour
    geo = make(server.url, cache_file, error_wait=MIN_DELAY)
    with pytest.raises(GeocoderUnavailable) as info:
        geo.candidates("Nahal Oz")
    message = str(info.value)
    assert "nominatim" in message and server.url in message and "'Nahal Oz'" in message
    assert "\n" not in message
    assert len(server.searches()) == 3  # first try + max_retries=2
    # nothing cached: a healthy server is asked again and places it
    server.behaviour = "healthy"
    assert [c.name for c in make(server.url, cache_file).candidates("Nahal Oz")] == ["Nahal Oz"]
    assert len(server.searches()) == 4


def test_refusal_403_is_not_retried(server, cache_file):
    server.behaviour = "403"
    geo = make(server.url, cache_file)
    with pytest.raises(GeocoderUnavailable, match="403"):
        geo.candidates("Zikim")
    assert len(server.searches()) == 1


def test_hanging_service_times_out(server, cache_file):
    server.behaviour = "hang"
    geo = make(server.url, cache_file, max_retries=1, error_wait=MIN_DELAY)
    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable, match="timed out"):
        geo.candidates("Zikim")
    assert time.monotonic() - started < 3 * TIMEOUT + MIN_DELAY + 1.0
    assert len(server.searches()) == 2


def test_connection_refused(cache_file):
    geo = make(closed_port_url(), cache_file, max_retries=0)
    with pytest.raises(GeocoderUnavailable, match="unreachable"):
        geo.candidates("Zikim")


def test_after_a_failure_the_run_stops_asking_for_a_while(server, cache_file):
    server.behaviour = "503"
    geo = make(server.url, cache_file, max_retries=0)
    with pytest.raises(GeocoderUnavailable):
        geo.candidates("Zikim")
    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable, match="not asked"):
        geo.candidates("Nahal Oz")
    assert time.monotonic() - started < 0.2
    assert server.queries() == ["Zikim"]
    # cached answers are still served meanwhile
    server.behaviour = "healthy"
    assert make(server.url, cache_file).candidates("Zikim")


def test_a_run_against_a_failing_service_completes_and_a_later_retry_places(server, cache_file):
    """What the pipeline does with each unresolved mention, then what a retry does."""
    server.behaviour = "503"
    geo = make(server.url, cache_file, max_retries=0)
    pending = [unresolved("Nahal Oz"), unresolved("Zikim", start=20)]
    kept = []
    for res in pending:
        try:
            kept.append(online_resolution(geo, res, threshold=0.35))
        except GeocoderUnavailable as exc:
            kept.append(Resolution(res.mention, None, 0.0, f"geocoder unavailable: {exc}"))
    assert all(r.place is None and "geocoder unavailable" in r.why for r in kept)
    server.behaviour = "healthy"
    retry = make(server.url, cache_file)
    placed = [online_resolution(retry, r, threshold=0.35) for r in kept]
    assert [r.place.name if r.place else None for r in placed] == ["Nahal Oz", "Zikim"]


# -- Photon ---------------------------------------------------------------------------------


def test_photon_answers_become_candidates(server, cache_file):
    geo = make(server.url, cache_file, provider="photon")
    (cand,) = geo.candidates("Kerem Shalom crossing")
    assert cand.source == "geocoder:photon"
    assert cand.id == "geocoder:photon:way/9000001"
    assert cand.kind == "crossing" and cand.country == "IL"
    assert (cand.lat, cand.lon) == pytest.approx((31.2236, 34.2842))
    assert server.searches()[0].path == "/api"
    assert make(server.url, cache_file, provider="photon").candidates("Kerem Shalom crossing")
    assert len(server.searches()) == 1


# -- the commands ---------------------------------------------------------------------------


def test_geocode_command_shows_the_online_layer(server, tmp_path, monkeypatch):
    from geomap.cli import main

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GEOMAP_GEOCODER_MIN_DELAY", str(MIN_DELAY))
    monkeypatch.setenv("GEOMAP_GEOCODER_TIMEOUT", str(TIMEOUT))
    result = CliRunner().invoke(
        main,
        ["geocode", "Nahal Oz", "--geocoder", "nominatim", "--geocoder-url", server.url,
         "--user-agent", UA, "--layer", "curated", "--layer", "online"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "== online (nominatim at " in result.output, result.output
    assert "geocoder:nominatim:relation/9000002" in result.output
    assert "== curated" in result.output
    assert server.searches()[0].user_agent == UA


def test_geocode_command_refuses_nominatim_without_user_agent(tmp_path, monkeypatch):
    from geomap.cli import main

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GEOMAP_USER_AGENT", raising=False)
    result = CliRunner().invoke(main, ["geocode", "Zikim", "--geocoder", "nominatim"])
    assert result.exit_code != 0
    assert "User-Agent" in result.output


def test_retry_unresolved_places_stored_mentions_and_loses_nothing(server, tmp_path, monkeypatch):
    from geomap.cli import main
    from geomap.store import Store

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GEOMAP_GEOCODER_MIN_DELAY", str(MIN_DELAY))
    monkeypatch.setenv("GEOMAP_GEOCODER_TIMEOUT", str(TIMEOUT))
    db = tmp_path / "store.db"
    text = "Rockets fell on Nahal Oz and Zikim, and near Yerevan. Atlantis was quiet."
    article = Article("a1", text, title="t")
    yerevan = _place_yerevan()

    def mention(surface: str) -> Mention:
        start = text.index(surface)
        return Mention("a1", surface, start, start + len(surface), text, "GPE")

    resolutions = [
        Resolution(mention("Nahal Oz"), None, 0.0, "not in the offline gazetteers"),
        Resolution(mention("Zikim"), None, 0.0, "not in the offline gazetteers"),
        Resolution(mention("Yerevan"), yerevan, 0.9, "offline"),
        Resolution(mention("Atlantis"), None, 0.0, "not in the offline gazetteers"),
    ]
    with Store(db) as store:
        store.save(article, resolutions)
    args = ["resolve", "--retry-unresolved", "--db", str(db), "--geocoder", "nominatim",
            "--geocoder-url", server.url, "--user-agent", UA]  # fmt: skip

    # The service is down: the command finishes, says so, and the store is untouched.
    server.behaviour = "503"
    down = CliRunner().invoke(main, args)
    assert down.exit_code == 3, down.output
    assert "3 failed" in down.output
    with Store(db) as store:
        assert len(store.unresolved()) == 3
        assert [r.place.id for r in store.resolutions() if r.place] == ["geonames:616052"]

    # Later, the service is back: what it knows is placed, the rest stays unresolved.
    server.behaviour = "healthy"
    up = CliRunner().invoke(main, args)
    assert up.exit_code == 0, up.output
    assert "2 placed, 1 still unresolved, 0 failed" in up.output
    with Store(db) as store:
        placed = {r.mention.text: r.place for r in store.resolutions() if r.place}
        assert set(placed) == {"Nahal Oz", "Zikim", "Yerevan"}
        assert placed["Nahal Oz"].geometry["type"] == "Polygon"
        assert placed["Nahal Oz"].extra["source"] == "geocoder:nominatim"
        assert placed["Yerevan"].id == "geonames:616052"
        assert [r.mention.text for r in store.unresolved()] == ["Atlantis"]
        exported = store.to_geojson()
    assert json.dumps(exported)  # still a valid FeatureCollection
    asked = server.queries()
    # a third run asks nothing new: everything is cached, including the negative answer
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and server.queries() == asked


def _place_yerevan():
    from geomap.models import Place

    return Place("geonames:616052", "Yerevan", "city",
                 {"type": "Point", "coordinates": [44.5136, 40.1811]}, "geonames",
                 country="AM", lat=40.1811, lon=44.5136)  # fmt: skip


def test_retry_unresolved_needs_an_online_geocoder(tmp_path, monkeypatch):
    from geomap.cli import main

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GEOMAP_GEOCODER", raising=False)
    result = CliRunner().invoke(
        main, ["resolve", "--retry-unresolved", "--db", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 2
    assert "needs an online geocoder" in result.output


# -- through the pipeline ------------------------------------------------------------------


def test_pipeline_places_what_the_gazetteers_miss_and_survives_an_outage(
    server, offline_index, tmp_path, monkeypatch
):
    from geomap.cli import main
    from geomap.export import result_to_geojson
    from geomap.pipeline import Engine, geoparse
    from geomap.store import Store

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "run1"))
    settings = Settings(
        index_path=offline_index, geocoder="nominatim", geocoder_url=server.url,
        user_agent=UA, geocoder_min_delay=MIN_DELAY, geocoder_timeout=TIMEOUT,
    )  # fmt: skip
    engine = Engine(settings)
    text = "Fighting was reported in Zikim, Israel, on Sunday, and in Nahal Oz, Israel, on Monday."

    def places(result):
        return {r.mention.text: r.place for r in result.resolutions}

    # Zikim is GeoNames' Ziqim, another romanisation the offline index has; Nahal Oz is in
    # no offline gazetteer: the geocoder places it.
    first = places(geoparse(text, engine=engine))
    assert first["Israel"].id == "ne:ISR"  # offline, not asked online
    assert first["Zikim"].source == "geonames" and first["Zikim"].name == "Ziqim"
    assert first["Nahal Oz"].source == "geocoder:nominatim"
    assert first["Nahal Oz"].geometry["type"] == "Polygon"
    assert server.queries() == ["Nahal Oz"]

    # A second run (a new online layer, same cache file) asks nothing.
    engine.online = build_online_layer(settings)
    second = places(geoparse(text, engine=engine))
    assert {k: v.id for k, v in second.items()} == {k: v.id for k, v in first.items()}
    assert len(server.queries()) == 1

    # Another user, empty cache, service down: the run completes, Israel is placed,
    # the villages are unresolved with the reason.
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "run2"))
    engine.online = build_online_layer(settings)
    server.behaviour = "503"
    down = geoparse(text, engine=engine)
    assert places(down)["Israel"].id == "ne:ISR"
    reasons = {u["text"]: u["reason"] for u in result_to_geojson(down)["unresolved"]}
    assert set(reasons) == {"Nahal Oz"}
    assert all("geocoder unavailable" in why for why in reasons.values()), reasons
    db = tmp_path / "store.db"
    with Store(db) as store:
        store.save(down)

    # Later, against a healthy service, --retry-unresolved places them in the store.
    server.behaviour = "healthy"
    result = CliRunner().invoke(
        main,
        ["resolve", "--retry-unresolved", "--db", str(db), "--geocoder", "nominatim",
         "--geocoder-url", server.url, "--user-agent", UA],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        assert store.unresolved() == []
        stored = {r.mention.text: r.place.id for r in store.resolutions() if r.place}
    assert stored == {k: v.id for k, v in first.items()}


ZOVASHENIK = "Residents of the village of Zovashenik fled to Yerevan, officials in Armenia said."


def test_a_cued_village_no_gazetteer_has_is_asked_within_the_focus(
    server, offline_index, tmp_path, monkeypatch
):
    """spaCy does not read 'Zovashenik' as a place; the cue 'the village of' does, the
    offline layers do not have it, so the geocoder is asked, within the article's focus."""
    from geomap.export import result_to_geojson
    from geomap.pipeline import Engine, geoparse

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "run1"))
    settings = Settings(
        index_path=offline_index, geocoder="nominatim", geocoder_url=server.url,
        user_agent=UA, geocoder_min_delay=MIN_DELAY, geocoder_timeout=TIMEOUT,
    )  # fmt: skip
    engine = Engine(settings)
    first = {r.mention.text: r for r in geoparse(ZOVASHENIK, engine=engine).resolutions}
    village = first["Zovashenik"]
    assert village.mention.label == "cue"
    assert village.place is not None and village.place.source == "geocoder:nominatim"
    assert village.place.country == "AM"  # the Armenian village, not the namesake abroad
    yerevan = first["Yerevan"].place
    assert yerevan is not None and yerevan.source != "geocoder:nominatim"  # offline, not asked
    (search,) = server.searches()
    assert search.params["q"] == "Zovashenik" and search.params["countrycodes"] == "am"

    # A second run asks nothing: the answer is cached with the focus it was asked in.
    engine.online = build_online_layer(settings)
    again = {r.mention.text: r.place for r in geoparse(ZOVASHENIK, engine=engine).resolutions}
    cached = again["Zovashenik"]
    assert cached is not None and cached.id == village.place.id
    assert len(server.searches()) == 1

    # Service failing, empty cache: the run completes and the village is listed unresolved.
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "run2"))
    engine.online = build_online_layer(settings)
    server.behaviour = "503"
    down = result_to_geojson(geoparse(ZOVASHENIK, engine=engine))
    reasons = {u["text"]: u["reason"] for u in down["unresolved"]}
    assert set(reasons) == {"Zovashenik"}
    assert "not in the offline gazetteers" in reasons["Zovashenik"]
    assert "geocoder unavailable" in reasons["Zovashenik"]
    assert "Yerevan" in {f["properties"]["name"] for f in down["features"]}


def test_an_answer_outside_the_focus_is_not_drawn(server, offline_index, tmp_path, monkeypatch):
    """Photon cannot be asked within countries: its namesake abroad is refused."""
    from geomap.pipeline import Engine, geoparse

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    server.places = {"zovashenik": [server.places["zovashenik"][1]]}  # only the one in Georgia
    settings = Settings(
        index_path=offline_index, geocoder="photon", geocoder_url=server.url,
        geocoder_min_delay=MIN_DELAY, geocoder_timeout=TIMEOUT,
    )  # fmt: skip
    result = geoparse(ZOVASHENIK, engine=Engine(settings))
    village = next(r for r in result.resolutions if r.mention.text == "Zovashenik")
    assert village.place is None
    assert "outside the article's focus" in village.why


# -- answers are untrusted input ------------------------------------------------------------


def nominatim_item(**changes) -> dict:
    """One well-formed Nominatim search result (a village in Armenia), with ``changes``."""
    item = {
        "place_id": 1, "licence": "ODbL", "osm_type": "node", "osm_id": 7, "lat": "40.1",
        "lon": "44.5", "class": "place", "type": "village", "addresstype": "village",
        "name": "X", "display_name": "X, Armenia", "importance": 0.3,
        "address": {"village": "X", "country": "Armenia", "country_code": "am"},
        "geojson": {"type": "Point", "coordinates": [44.5, 40.1]},
    }  # fmt: skip
    item.update(changes)
    return item


# Well-formed JSON a Nominatim server might send instead of a list of places.
BAD_NOMINATIM = {
    "an object": {"a": 1},
    "a list of numbers": [1, 2],
    "a string": "str",
    "lat not a number": [nominatim_item(lat="abc")],
    "lat 91": [nominatim_item(lat="91")],
    "lon 181": [nominatim_item(lon=181)],
    "null coordinates": [nominatim_item(lat=None, lon=None)],
    "true for a coordinate": [nominatim_item(lat=True)],
    "geojson not a geometry": [nominatim_item(geojson={"type": "Polygon", "coordinates": "x"})],
}
BAD_PHOTON = {
    "an object": {"a": 1},
    "a list": [1, 2],
    "a string": "str",
    "geometry not a geometry": {"features": [{"geometry": "x", "properties": {"name": "X"}}]},
    "lon 181": {
        "features": [
            {"geometry": {"type": "Point", "coordinates": [181, 40]}, "properties": {"name": "X"}}
        ]
    },
    "null coordinates": {
        "features": [
            {"geometry": {"type": "Point", "coordinates": None}, "properties": {"name": "X"}}
        ]
    },
}


@pytest.mark.parametrize(
    ("provider", "body"),
    [("nominatim", b) for b in BAD_NOMINATIM.values()]
    + [("photon", b) for b in BAD_PHOTON.values()],
    ids=[f"nominatim-{k}" for k in BAD_NOMINATIM] + [f"photon-{k}" for k in BAD_PHOTON],
)
def test_an_answer_of_the_wrong_shape_is_a_geocoder_error(server, cache_file, provider, body):
    server.behaviour, server.body = "body", body
    geo = make(server.url, cache_file, provider=provider)
    with pytest.raises(GeocodingError) as info:
        online_resolution(geo, unresolved("Nahal Oz"), threshold=0.35)
    assert not isinstance(info.value, GeocoderUnavailable)  # the service is up: no breaker
    message = str(info.value)
    assert "unexpected answer" in message and "'Nahal Oz'" in message and "\n" not in message
    assert len(server.searches()) == 1  # not retried: asking again gets the same
    assert geo.cache is not None and geo.cache.count() == 0  # nothing cached
    server.behaviour = "healthy"  # the next name is asked at once and placed
    assert [c.name for c in geo.candidates("Zikim")] == ["Zikim"]


def test_well_formed_answers_pass_the_check(server, cache_file):
    """What real services send: Nominatim's strings for coordinates, nulls for absent tags,
    a MultiPolygon; Photon's FeatureCollection."""
    multi = {"type": "MultiPolygon", "coordinates": [[[[44, 40], [45, 40], [45, 41], [44, 40]]]]}
    server.behaviour = "body"
    server.body = [nominatim_item(name="Zikim", geojson=multi, extratags=None, namedetails=None)]
    (cand,) = make(server.url, cache_file).candidates("Zikim")
    assert cand.geometry is not None and cand.geometry["type"] == "MultiPolygon"
    server.behaviour = "healthy"
    assert make(server.url, cache_file, provider="photon").candidates("Zikim")


def test_a_trickling_service_is_cut_off_at_the_deadline(server, cache_file):
    """One byte every 0.5 s never trips a per-read time-out; the whole request has 2 s."""
    server.behaviour = "trickle"
    geo = make(server.url, cache_file, timeout=2.0, max_retries=0)
    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable, match="timed out") as info:
        geo.candidates("Zikim")
    assert time.monotonic() - started < 3.0, "the deadline is the whole request's"
    assert "within 2 s" in str(info.value)
    assert geo.cache is not None and geo.cache.count() == 0


@pytest.mark.parametrize("announce_length", [True, False])
def test_a_huge_answer_is_refused_before_parsing_and_not_cached(
    server, cache_file, announce_length
):
    """50 MB: refused on its Content-Length unread, or cut off past 2 MB when streamed."""
    server.behaviour, server.announce_length = "huge", announce_length
    geo = make(server.url, cache_file, timeout=10.0)
    started = time.monotonic()
    with pytest.raises(GeocodingError, match="refused") as info:
        geo.candidates("Zikim")
    assert not isinstance(info.value, GeocoderUnavailable)
    assert time.monotonic() - started < 5.0
    assert len(server.searches()) == 1
    time.sleep(0.3)  # let the server notice the closed connection
    assert server.sent_bytes < 12_000_000  # not the 50 MB (loopback buffers hold a few)
    assert geo.cache is not None and geo.cache.count() == 0


def test_a_huge_error_page_is_not_read_whole(server, cache_file):
    server.behaviour, server.huge_status, server.announce_length = "huge", 500, False
    geo = make(server.url, cache_file, timeout=10.0, max_retries=0)
    with pytest.raises(GeocoderUnavailable, match="500"):
        geo.candidates("Zikim")
    time.sleep(0.3)  # let the server notice the closed connection
    assert server.sent_bytes < 12_000_000
    assert geo.cache is not None and geo.cache.count() == 0


def test_error_answers_are_not_cached_and_answers_under_the_cap_are(server, cache_file):
    server.behaviour, server.huge_bytes = "huge", 1_500_000  # padded, valid, under 2 MB
    geo = make(server.url, cache_file)
    assert [c.name for c in geo.candidates("Zikim")] == ["Zikim"]
    server.behaviour = "500"
    with pytest.raises(GeocoderUnavailable):
        make(server.url, cache_file, max_retries=0).candidates("Nahal Oz")
    assert geo.cache is not None and geo.cache.count() == 1


# -- what a run says about it ----------------------------------------------------------------

# Invented names, in no gazetteer: one for each bad answer.
VILLAGES = ["Arvakhet", "Dzoragavan", "Mrgashok", "Tsaghkavit", "Karmirsar", "Lernashat",
            "Qaravshen", "Voghjaberdik", "Barshenavan"]  # fmt: skip


def geocoder_flags(url: str) -> list[str]:
    return ["--geocoder", "nominatim", "--geocoder-url", url, "--user-agent", UA,
            "--geocoder-min-delay", "0.05", "--geocoder-timeout", "2"]  # fmt: skip


def test_ingest_stores_what_it_can_when_answers_are_malformed(
    server, offline_index, tmp_path, monkeypatch
):
    """Each village gets one of the bad answers; the run finishes (exit 3), says so on
    stderr, and stores everything else: the well-answered village and the offline places."""
    from geomap.cli import main
    from geomap.store import Store

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GEOMAP_INDEX_PATH", str(offline_index))
    bad = dict(zip(VILLAGES, BAD_NOMINATIM.values(), strict=True))
    server.behaviour = "body"
    server.bodies = {name.lower(): body for name, body in bad.items()}  # Zovashenik: healthy
    text = " ".join(f"Residents of the village of {name} fled." for name in [*bad, "Zovashenik"])
    article = tmp_path / "villages.txt"
    article.write_text(text + " Officials in Yerevan, Armenia, said.", encoding="utf-8")
    db = tmp_path / "store.db"
    result = CliRunner().invoke(
        main, ["ingest", str(article), "--db", str(db), *geocoder_flags(server.url)]
    )
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"geocoder: {len(bad)} names got an unusable answer (" in result.stderr
    assert "unexpected answer" in result.stderr
    with Store(db) as store:
        placed = {r.mention.text: r.place for r in store.resolutions() if r.place}
        reasons = {r.mention.text: r.why for r in store.unresolved()}
    assert placed["Zovashenik"].source == "geocoder:nominatim"
    assert {"Yerevan", "Armenia"} <= set(placed)
    assert set(reasons) == set(bad)
    assert all("geocoder error" in why and "unexpected answer" in why for why in reasons.values())
    with GeocoderCache(tmp_path / "geocoder-cache.sqlite") as cache:
        assert cache.count() == 1  # only the good answer


def test_an_outage_is_reported_and_signalled_by_the_exit_status(
    server, offline_index, tmp_path, monkeypatch
):
    from geomap.cli import main

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GEOMAP_INDEX_PATH", str(offline_index))
    server.behaviour = "503"
    article = tmp_path / "a.txt"
    article.write_text(ZOVASHENIK + " Residents of the village of Arvakhet fled.", encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(article), *geocoder_flags(server.url)])
    assert result.exit_code == 3, result.output
    assert "geomap: geocoder: 2 names not looked up (service unavailable: nominatim at " in (
        result.stderr
    )
    out = json.loads(result.stdout)
    assert "Yerevan" in {f["properties"]["name"] for f in out["features"]}
    assert {u["text"] for u in out["unresolved"]} == {"Zovashenik", "Arvakhet"}
    # healthy again: same command, exit 0 and nothing said about the geocoder
    server.behaviour = "healthy"
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path / "later"))
    again = CliRunner().invoke(main, ["parse", str(article), *geocoder_flags(server.url)])
    assert again.exit_code == 0, again.output
    assert "geocoder:" not in again.stderr


@pytest.mark.parametrize("command", ["ingest", "serve", "parse", "resolve"])
def test_commands_that_may_ask_the_geocoder_take_its_flags(command):
    from geomap.cli import main

    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    for flag in ("--geocoder ", "--geocoder-url", "--user-agent", "--geocoder-min-delay",
                 "--geocoder-timeout", "--threshold"):  # fmt: skip
        assert flag in result.output, (command, flag)


@pytest.mark.parametrize("command", ["ingest", "serve"])
def test_ingest_and_serve_apply_the_geocoder_flags(command, tmp_path, monkeypatch):
    """The flags reach the settings: Nominatim without a User-Agent is refused up front."""
    from geomap.cli import main

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GEOMAP_USER_AGENT", raising=False)
    args = [command, str(tmp_path / "none.txt"), "--db", str(tmp_path / "s.db")]
    result = CliRunner().invoke(main, [*args, "--geocoder", "nominatim", "--threshold", "0.5"])
    assert result.exit_code == 1, result.output
    assert "needs a real User-Agent" in result.output
    assert not (tmp_path / "s.db").exists()


def test_the_web_add_form_survives_a_malformed_answer(
    server, engine, tmp_path, basemap_dir, monkeypatch
):
    from geomap.store import Store
    from geomap.web import create_app

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(engine, "online", make(server.url, tmp_path / "cache.sqlite"))
    server.behaviour, server.body = "body", [1, 2]
    db = tmp_path / "web.db"
    app = create_app(
        {"TESTING": True, "DATABASE": str(db), "TILES": None,
         "BASEMAP_DIR": str(basemap_dir), "ENGINE": lambda: engine}
    )  # fmt: skip
    client = app.test_client()
    token = csrf_token(client)
    resp = client.post("/add", data={"text": ZOVASHENIK, "title": "Villages", "csrf_token": token})
    resp = finish_upload(client, resp, timeout=60)  # parsed by the upload job
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    with Store(db) as store:
        (why,) = [r.why for r in store.unresolved()]
        assert "geocoder error" in why
        assert "Yerevan" in {r.mention.text for r in store.resolutions() if r.place}
