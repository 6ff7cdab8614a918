"""One root error for everything geomap raises on purpose.

Callers (the CLI, the web app) catch :class:`GeomapError` and show its message
in one line; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class GeomapError(Exception):
    """Root of every error geomap raises deliberately."""


class InputError(GeomapError, ValueError):
    """Raised when an article or a request cannot be read: missing, empty, binary,
    not UTF-8, malformed JSON, or a bad option value. The message names the input."""


class ConfigError(InputError):
    """Raised when settings (``geomap.toml``, ``GEOMAP_*`` variables, flags) are invalid."""


class DataMissingError(GeomapError, FileNotFoundError):
    """Raised when a data file geomap needs (curated gazetteer, a package's data,
    the offline index) is absent or unreadable."""


class GazetteerError(GeomapError):
    """Raised when a curated gazetteer file is malformed (bad GeoJSON, duplicate ids)."""


class GeocodingError(GeomapError):
    """Raised when a geocoder answers with something geomap cannot use."""


class GeocoderUnavailable(GeocodingError, ConnectionError):
    """Raised when an online geocoder times out, refuses (403/429) or is down."""


class StoreError(GeomapError):
    """Raised when the SQLite store cannot be opened, migrated or written."""
