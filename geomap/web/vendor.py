"""Leaflet, Leaflet.markercluster and jQuery served from their xstatic packages.

A fixed whitelist maps (package, file) to files on disk; nothing from the request
is joined to a path beyond ``send_from_directory`` over a whitelisted name.
"""

from __future__ import annotations

import importlib
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
}


@cache
def base_dir(package: str) -> str:
    module = importlib.import_module(VENDOR[package][0])
    return str(module.BASE_DIR)


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
