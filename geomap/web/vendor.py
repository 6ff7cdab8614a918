"""Leaflet, Leaflet.markercluster and jQuery served from their xstatic packages, and
Leaflet.heat (BSD 2-clause, (c) 2014 Vladimir Agafonkin) from the copy folium ships.

A fixed whitelist maps (package, file) to files on disk; nothing from the request
is joined to a path beyond ``send_from_directory`` over a whitelisted name.
"""

from __future__ import annotations

import importlib
import os
from functools import cache

from flask import Blueprint, Response, abort, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/static/vendor")

# url name -> (xstatic module, files that may be served)
VENDOR: dict[str, tuple[str, frozenset[str]]] = {
    "leaflet": (
        "xstatic.pkg.leaflet",
        frozenset(
            {
                "leaflet.js",
                "leaflet.css",
                "images/layers.png",
                "images/layers-2x.png",
                "images/marker-icon.png",
                "images/marker-icon-2x.png",
                "images/marker-shadow.png",
            }
        ),
    ),
    "leaflet.markercluster": (
        "xstatic.pkg.leaflet_markercluster",
        frozenset({"leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"}),
    ),
    "jquery": ("xstatic.pkg.jquery", frozenset({"jquery.min.js"})),
    # folium's HeatMap plugin points at a CDN; the same file ships inside the package
    "leaflet.heat": ("folium", frozenset({"templates/leaflet_heat.min.js"})),
}


@cache
def base_dir(package: str) -> str:
    module = importlib.import_module(VENDOR[package][0])
    base = getattr(module, "BASE_DIR", None)  # xstatic packages; else the package folder
    return str(base) if base else os.path.dirname(str(module.__file__))


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str) -> Response:
    entry = VENDOR.get(package)
    if entry is None or filename not in entry[1]:
        abort(404)
    try:
        folder = base_dir(package)
    except ImportError:
        abort(404)
    return send_from_directory(folder, filename, max_age=7 * 24 * 3600)
