"""Settings: defaults < ``geomap.toml`` < ``GEOMAP_*`` environment < CLI flags.

Validated once, here, so that every other module can trust its values.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from geomap.backends import is_postgres_url
from geomap.errors import ConfigError, DataMissingError

GEOCODERS = ("none", "nominatim", "photon")
# the largest input file (or standard input) read, in bytes. A run holds its whole input
# in memory, about six times over for a JSONL archive (bytes, text, articles); 256 MB is
# some 50,000 news articles of 5 kB, where one article is a few kB
MAX_INPUT_BYTES = 256 * 1024 * 1024


def data_dir() -> Path:
    """Per-user directory for the offline index, the store and the geocoder cache."""
    override = os.environ.get("GEOMAP_DATA_DIR")
    return Path(override) if override else Path(user_data_dir("geomap", appauthor=False))


def package_data(*parts: str) -> Path:
    """A file or folder of the data installed with geomap (the package ``geomap.data``).

    The repository keeps that data at its top level (``data/``) and ``pyproject.toml`` maps
    it into the package, so the same look-up works in a wheel, an editable install and a
    checkout, wherever the current directory is."""
    root = resources.files("geomap.data")
    if not isinstance(root, Path):  # e.g. a zipped install: the index builder needs real files
        raise DataMissingError(f"geomap's data is not on the file system ({root})")
    return root.joinpath(*parts)


def default_gazetteer_dir() -> Path:
    return Path(os.environ.get("GEOMAP_GAZETTEER_DIR") or package_data("gazetteer"))


@dataclass(frozen=True)
class Settings:
    db: Path | str | None = None  # SQLite file or postgresql:// URL; None = data_dir()/geomap.db
    tiles: str | None = None  # raster tile URL template; None = offline country layer
    geocoder: str = "none"
    geocoder_url: str | None = None
    user_agent: str | None = None
    geocoder_min_delay: float = 1.0
    geocoder_timeout: float = 10.0
    geocoder_cache_ttl_days: float = 30.0
    threshold: float = 0.35  # below this confidence the resolver abstains
    gazetteer_dir: Path | None = None
    index_path: Path | None = None  # offline index; None = data_dir()/gazetteer-index.sqlite
    # host names `geomap serve` answers to besides the loopback ones, comma-separated
    trusted_hosts: str | None = None
    max_input_bytes: int = MAX_INPUT_BYTES  # larger input files or stdin are refused

    def __post_init__(self) -> None:
        if self.geocoder not in GEOCODERS:
            raise ConfigError(
                f"geocoder must be one of {', '.join(GEOCODERS)}, not {self.geocoder!r}"
            )
        for name in ("geocoder_min_delay", "geocoder_timeout", "geocoder_cache_ttl_days"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{name} must be a number >= 0, not {value!r}")
        if isinstance(self.max_input_bytes, bool) or not isinstance(self.max_input_bytes, int):
            raise ConfigError(
                f"max_input_bytes must be a whole number, not {self.max_input_bytes!r}"
            )
        if self.max_input_bytes < 1:
            raise ConfigError(f"max_input_bytes must be at least 1, not {self.max_input_bytes}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"threshold must be within [0, 1], not {self.threshold!r}")
        if self.geocoder == "nominatim" and not (self.user_agent or "").strip():
            raise ConfigError(
                "the Nominatim geocoder needs a real User-Agent: set GEOMAP_USER_AGENT "
                "or --user-agent (e.g. 'newsroom-geomap/1.0 you@example.org')"
            )

    @property
    def db_path(self) -> Path:
        return Path(self.db) if self.db else data_dir() / "geomap.db"

    @property
    def db_url(self) -> str:
        """What :meth:`geomap.store.Store.open` takes: a postgresql:// URL or the SQLite path."""
        if self.db and is_postgres_url(self.db):
            return str(self.db)
        return str(self.db_path)

    @property
    def gazetteer_path(self) -> Path:
        return Path(self.gazetteer_dir) if self.gazetteer_dir else default_gazetteer_dir()

    @property
    def not_places_path(self) -> Path:
        """Names that are never places (organisations, brands, politicians)."""
        return package_data("not-places.txt")

    @property
    def index_file(self) -> Path:
        return Path(self.index_path) if self.index_path else data_dir() / "gazetteer-index.sqlite"

    @property
    def cache_path(self) -> Path:
        return data_dir() / "geocoder-cache.sqlite"


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = str(_FIELD_TYPES[name])
    if value is None:
        return None
    try:
        if name == "db" and is_postgres_url(value):
            return str(value)  # a URL, which Path would mangle
        if isinstance(value, list | tuple):  # a TOML list of names
            value = ",".join(str(v) for v in value)
        if "float" in kind:
            return float(value)
        if kind == "int":
            if isinstance(value, bool | float):  # int() would cut 1.5 to 1 and True to 1
                raise ValueError(value)
            return int(value)
        if "Path" in kind:
            return Path(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: {name} has a bad value {value!r}") from exc


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Merge the layers in order; ``overrides`` (CLI flags) win, ``None`` values are skipped."""
    env = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    path = config_file or (Path(env["GEOMAP_CONFIG"]) if env.get("GEOMAP_CONFIG") else None)
    if path is None and Path("geomap.toml").is_file():
        path = Path("geomap.toml")
    if path is not None:
        try:
            table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read settings: {exc}") from exc
        table = table.get("geomap", table)
        for key, value in table.items():
            name = key.replace("-", "_").lower()
            if name not in _FIELD_TYPES:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            merged[name] = _coerce(name, value, str(path))
    for name in _FIELD_TYPES:
        var = "GEOMAP_" + name.upper()
        if env.get(var):
            merged[name] = _coerce(name, env[var], var)
    for name, value in (overrides or {}).items():
        if value is not None:
            if name not in _FIELD_TYPES:
                raise ConfigError(f"unknown setting {name!r}")
            merged[name] = _coerce(name, value, "--" + name.replace("_", "-"))
    return replace(Settings(), **merged) if merged else Settings()
