"""Readable GeoJSON output: one property per line, each geometry on one line."""

import json


def dumps_fc(fc):
    """Readable GeoJSON: one property per line, each geometry on one line."""
    head = {k: v for k, v in fc.items() if k != "features"}
    out = ["{"]
    for k, v in head.items():
        out.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    out.append(' "features": [')
    feats = []
    for f in fc["features"]:
        lines = [
            '  {"type": "Feature", "id": '
            + json.dumps(f.get("id", f["properties"]["id"]), ensure_ascii=False)
            + ",",
            '   "properties": {',
        ]
        items = list(f["properties"].items())
        for i, (k, v) in enumerate(items):
            lines.append(
                f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                + ("," if i < len(items) - 1 else "")
            )
        lines.append("   },")
        lines.append(
            '   "geometry": ' + json.dumps(f["geometry"], ensure_ascii=False, separators=(",", ":"))
        )
        lines.append("  }")
        feats.append("\n".join(lines))
    out.append(",\n".join(feats))
    out.append(" ]")
    out.append("}")
    return "\n".join(out) + "\n"
