"""geomap's data files (curated gazetteer, offline index inputs), installed as ``geomap.data``.

The repository keeps them at the top level; ``pyproject.toml`` maps this folder into the
package so that a wheel carries them and :mod:`importlib.resources` finds them anywhere.
"""
