"""Gazetteer layers: each one a geopy Geocoder that can also list candidates."""
