"""What the wheel carries: every package, the data the engine reads, licence and attributions.

(`.ci/run` builds the wheel and runs it from a fresh virtualenv outside the checkout; these
checks catch the usual slip earlier: a new subpackage or data file left out of pyproject.)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from geomap.config import Settings, package_data

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_subpackage_is_listed():
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "geomap").rglob("__init__.py")
    }
    assert found | {"geomap.data"} == set(SETUPTOOLS["packages"])
    assert SETUPTOOLS["package-dir"] == {"geomap.data": "data"}


def test_the_data_the_engine_reads_is_package_data():
    patterns = SETUPTOOLS["package-data"]["geomap.data"]
    data = ROOT / "data"
    shipped = {p for pattern in patterns for p in data.glob(pattern)}
    settings = Settings()
    needed = {settings.not_places_path, *settings.gazetteer_path.glob("*.geojson")}
    needed |= {p for p in (data / "offline").iterdir() if p.suffix in (".tsv", ".json", ".gz")}
    assert {p.resolve() for p in needed} <= {p.resolve() for p in shipped}
    assert package_data("offline").resolve() == (data / "offline").resolve()


def test_licence_and_attributions_travel_in_the_wheel():
    assert set(SETUPTOOLS["license-files"]) == {"LICENSE", "ATTRIBUTIONS.md"}
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    attributions = (ROOT / "ATTRIBUTIONS.md").read_text(encoding="utf-8")
    for source in ("GeoNames", "Natural Earth", "geoBoundaries", "countries-states-cities"):
        assert source in attributions
