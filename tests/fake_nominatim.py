"""A stand-in Nominatim (and Photon) server for tests, on 127.0.0.1 only.

A real :class:`http.server.ThreadingHTTPServer` on an ephemeral port, so that
geopy's own ``Nominatim`` and ``Photon`` classes talk HTTP to it exactly as they
would to the public service. It answers ``/search`` in Nominatim's JSON formats
(``format=json`` / ``jsonv2``, ``polygon_geojson``, ``addressdetails``,
``extratags``, ``namedetails``, ``limit``) and ``/api`` in Photon's GeoJSON, and
can be told to misbehave: 503, 429, 403, 500, hang past the client's time-out,
answer 200 with any body (``body``, or ``bodies`` per query, the others answered
as usual: well-formed JSON of the wrong shape), send a
valid answer one byte at a time (``trickle``), or send a huge one (``huge``, with
or without a Content-Length). Every request is recorded with its time and
User-Agent; ``sent_bytes`` counts the body bytes the client actually took.

The places below are approximate public facts (OpenStreetMap / Wikipedia
coordinates, rounded); the OSM and place ids are invented for the tests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright"


def _square(lon: float, lat: float, half: float) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def place(
    place_id: int,
    osm_type: str,
    osm_id: int,
    name: str,
    lat: float,
    lon: float,
    osm_class: str,
    osm_type_value: str,
    addresstype: str,
    *,
    country: str = "Israel",
    country_code: str = "il",
    state: str | None = None,
    geojson: dict[str, Any] | None = None,
    population: str | None = None,
    names: dict[str, str] | None = None,
    importance: float = 0.4,
) -> dict[str, Any]:
    """One stored place, in the fields Nominatim's search answer is built from."""
    return {
        "place_id": place_id,
        "osm_type": osm_type,
        "osm_id": osm_id,
        "name": name,
        "lat": lat,
        "lon": lon,
        "class": osm_class,
        "type": osm_type_value,
        "addresstype": addresstype,
        "importance": importance,
        "country": country,
        "country_code": country_code,
        "state": state,
        "geojson": geojson or {"type": "Point", "coordinates": [lon, lat]},
        "population": population,
        "names": names or {"name": name},
    }


# Keyed by a lower-cased query. Coordinates approximate (rounded), for tests only.
PLACES: dict[str, list[dict[str, Any]]] = {
    "kerem shalom crossing": [
        place(
            101, "way", 9000001, "Kerem Shalom Crossing", 31.2236, 34.2842,
            "barrier", "border_control", "barrier",
            state="Southern District",
            geojson=_square(34.2842, 31.2236, 0.002),
            names={"name": "מעבר כרם שלום", "name:en": "Kerem Shalom Crossing",
                   "alt_name:en": "Kerem Shalom border crossing"},
        )
    ],
    "nahal oz": [
        place(
            102, "relation", 9000002, "Nahal Oz", 31.4722, 34.4975,
            "place", "village", "village",
            state="Southern District",
            geojson=_square(34.4975, 31.4722, 0.004),
            population="400",
            names={"name": "נחל עוז", "name:en": "Nahal Oz"},
        )
    ],
    "zikim": [
        place(
            103, "node", 9000003, "Zikim", 31.6086, 34.5236,
            "place", "village", "village", state="Southern District",
            names={"name": "זיקים", "name:en": "Zikim"},
        )
    ],
    "springfield": [
        place(
            104, "relation", 9000004, "Springfield", 39.7990, -89.6440,
            "boundary", "administrative", "city",
            country="United States", country_code="us", state="Illinois",
            population="114,394", importance=0.6,
        ),
        place(
            105, "relation", 9000005, "Springfield", 37.2090, -93.2923,
            "boundary", "administrative", "city",
            country="United States", country_code="us", state="Missouri",
            population="169,176", importance=0.58,
        ),
    ],
    # Invented for the tests (an Armenian village and a namesake abroad): the ids, and these
    # coordinates, are not real facts.
    "zovashenik": [
        place(
            106, "node", 9000006, "Zovashenik", 40.48, 44.95,
            "place", "village", "village",
            country="Armenia", country_code="am", state="Kotayk Province",
        ),
        place(
            107, "node", 9000007, "Zovashenik", 43.10, 41.90,
            "place", "village", "village",
            country="Georgia", country_code="ge", state="Samegrelo-Zemo Svaneti",
            importance=0.5,
        ),
    ],
}  # fmt: skip


@dataclass
class Request:
    path: str
    params: dict[str, str]
    time: float  # time.monotonic() when the request line was read
    user_agent: str | None


@dataclass
class FakeGeocoderServer:
    """Start with :meth:`start`; ``behaviour`` may be changed at any time."""

    behaviour: str = "healthy"  # healthy | 503 | 500 | 429 | 403 | hang | body | trickle | huge
    hang_seconds: float = 3.0
    retry_after: str | None = None  # Retry-After header for 429
    body: Any = None  # "body": sent as JSON with status 200
    bodies: dict[str, Any] = field(default_factory=dict)  # "body": per lower-cased query
    trickle_seconds: float = 0.5  # "trickle": one byte of a valid answer this often
    huge_bytes: int = 50_000_000  # "huge": a valid answer padded with spaces to this size
    announce_length: bool = True  # "huge": send Content-Length (else chunk until done)
    huge_status: int = 200  # "huge": the status sent with it (an error page, say)
    sent_bytes: int = 0
    places: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: dict(PLACES))
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._release = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    def start(self) -> FakeGeocoderServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's API
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake hanging handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeGeocoderServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- what the tests look at ---------------------------------------------------

    def searches(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path in ("/search", "/api")]

    def queries(self) -> list[str]:
        return [r.params.get("q", "") for r in self.searches()]

    # -- answering ----------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(
                Request(parts.path, params, time.monotonic(), h.headers.get("User-Agent"))
            )
        behaviour = self.behaviour
        if behaviour == "hang":
            self._release.wait(self.hang_seconds)
            self._send(h, 503, {"error": "too late"})
            return
        if behaviour in ("503", "500", "403"):
            self._send(h, int(behaviour), {"error": f"fake {behaviour}"})
            return
        query = " ".join(params.get("q", "").lower().split())
        if behaviour == "body" and (query in self.bodies or not self.bodies):
            self._send(h, 200, self.bodies.get(query, self.body))
            return
        if behaviour in ("trickle", "huge"):
            answer = self._nominatim(params) if parts.path == "/search" else self._photon(params)
            self._stream(h, json.dumps(answer).encode("utf-8"), behaviour)
            return
        if behaviour == "429":
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            self._send(h, 429, {"error": "Too Many Requests"}, headers)
            return
        if parts.path == "/search":
            self._send(h, 200, self._nominatim(params))
        elif parts.path == "/api":
            self._send(h, 200, self._photon(params))
        else:
            self._send(h, 404, {"error": "not found"})

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                h.send_header(key, value)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (time-out): that is the point of "hang"

    def _stream(self, h: BaseHTTPRequestHandler, data: bytes, behaviour: str) -> None:
        """A valid answer sent slowly (trickle) or padded to ``huge_bytes`` (huge)."""
        size = len(data) if behaviour == "trickle" else max(len(data), self.huge_bytes)
        block = 1 if behaviour == "trickle" else 65536
        body = data + b" " * (size - len(data))
        try:
            h.send_response(200 if behaviour == "trickle" else self.huge_status)
            h.send_header("Content-Type", "application/json; charset=utf-8")
            if behaviour == "trickle" or self.announce_length:
                h.send_header("Content-Length", str(size))
            else:
                h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            for i in range(0, size, block):
                piece = body[i : i + block]
                if behaviour == "trickle":
                    if self._release.wait(self.trickle_seconds):
                        return
                    h.wfile.write(piece)
                    h.wfile.flush()
                elif self.announce_length:
                    h.wfile.write(piece)
                else:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                with self._lock:
                    self.sent_bytes += len(piece)
            if behaviour == "huge" and not self.announce_length:
                h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: that is what it should do

    def _found(
        self, query: str, limit: str | None, countrycodes: str | None = None
    ) -> list[dict[str, Any]]:
        found = self.places.get(" ".join(query.lower().split()), [])
        if countrycodes:  # Nominatim's countrycodes=am,az: only places in those countries
            wanted = {c.strip().lower() for c in countrycodes.split(",")}
            found = [p for p in found if p["country_code"] in wanted]
        n = int(limit) if limit and limit.isdigit() else 10
        return found[:n]

    def _nominatim(self, params: dict[str, str]) -> list[dict[str, Any]]:
        v2 = params.get("format") == "jsonv2"
        out = []
        for p in self._found(params.get("q", ""), params.get("limit"), params.get("countrycodes")):
            lat, lon = p["lat"], p["lon"]
            item: dict[str, Any] = {
                "place_id": p["place_id"],
                "licence": LICENCE,
                "osm_type": p["osm_type"],
                "osm_id": p["osm_id"],
                "lat": f"{lat:.7f}",  # Nominatim sends coordinates as strings
                "lon": f"{lon:.7f}",
                ("category" if v2 else "class"): p["class"],
                "type": p["type"],
                "place_rank": 19,
                "importance": p["importance"],
                "addresstype": p["addresstype"],
                "name": p["name"],
                "display_name": ", ".join(x for x in (p["name"], p["state"], p["country"]) if x),
                "boundingbox": [
                    f"{lat - 0.01:.7f}",
                    f"{lat + 0.01:.7f}",
                    f"{lon - 0.01:.7f}",
                    f"{lon + 0.01:.7f}",
                ],
            }
            if params.get("addressdetails") == "1":
                address = {p["addresstype"]: p["name"], "country": p["country"]}
                if p["state"]:
                    address["state"] = p["state"]
                address["country_code"] = p["country_code"]
                item["address"] = address
            if params.get("extratags") in ("1", "True", "true"):
                item["extratags"] = {"population": p["population"]} if p["population"] else {}
            if params.get("namedetails") == "1":
                item["namedetails"] = p["names"]
            if params.get("polygon_geojson") == "1":
                item["geojson"] = p["geojson"]
            out.append(item)
        return out

    def _photon(self, params: dict[str, str]) -> dict[str, Any]:
        features = []
        for p in self._found(params.get("q", ""), params.get("limit")):
            lat, lon = p["lat"], p["lon"]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {
                        "osm_type": p["osm_type"][0].upper(),
                        "osm_id": p["osm_id"],
                        "osm_key": p["class"],
                        "osm_value": p["type"],
                        "type": p["addresstype"],
                        "name": p["name"],
                        "country": p["country"],
                        "countrycode": p["country_code"].upper(),
                        "state": p["state"],
                        "extent": [lon - 0.01, lat + 0.01, lon + 0.01, lat - 0.01],
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}


def closed_port_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
