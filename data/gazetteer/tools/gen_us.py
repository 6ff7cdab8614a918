"""Generate us-regions.geojson: informal regions of the United States."""

import sys

from shapely.ops import unary_union
from worldlib import NE, C, feat, finish, line, poly, pt, write


def us(id, name, coords, aliases, what, kind="region", **kw):
    g = C["USA"].intersection(poly(coords))
    feat(
        id,
        name,
        kind,
        finish(g),
        aliases,
        [
            f"approximate limits of {what} from published maps (state lines as listed)",
            f"{NE}: United States coast and borders",
        ],
        country="US",
        **kw,
    )


us(
    "midwest",
    "Midwest",
    [
        (-104.05, 49.5),
        (-104.05, 41.0),
        (-102.05, 41.0),
        (-102.05, 37.0),
        (-94.62, 37.0),
        (-94.62, 36.5),
        (-90.15, 36.5),
        (-90.37, 36.0),
        (-89.7, 36.0),
        (-89.5, 36.5),
        (-89.1, 37.0),
        (-88.1, 37.5),
        (-87.6, 37.9),
        (-86.5, 37.9),
        (-85.8, 38.3),
        (-84.8, 39.1),
        (-83.0, 38.7),
        (-82.6, 38.4),
        (-81.7, 39.2),
        (-80.65, 40.0),
        (-80.52, 40.64),
        (-80.52, 49.5),
    ],
    ["Midwest", "the Midwest", "Middle West", "Midwestern United States", "American Midwest"],
    "the twelve Census Bureau Midwest states (ND, SD, NE, KS, MN, IA, MO, WI, IL, MI, IN, OH)",
)
us(
    "new-england",
    "New England",
    [
        (-73.66, 41.0),
        (-73.5, 42.05),
        (-73.25, 42.75),
        (-73.45, 45.05),
        (-67, 47.6),
        (-66.5, 44.5),
        (-69.9, 41.2),
        (-71.85, 41.25),
        (-72.4, 41.22),
        (-73.1, 41.12),
    ],
    ["New England", "New England states"],
    "ME, NH, VT, MA, RI and CT",
)
us(
    "pacific-northwest",
    "Pacific Northwest",
    [
        (-125.0, 42.0),
        (-111.05, 42.0),
        (-111.05, 44.5),
        (-113.0, 45.0),
        (-114.5, 45.6),
        (-114.4, 46.6),
        (-115.7, 47.4),
        (-116.05, 48.0),
        (-116.05, 49.0),
        (-125.0, 49.0),
    ],
    ["Pacific Northwest", "the Pacific Northwest", "PNW", "Northwest (US)"],
    "WA, OR and ID",
    notes="US part only; wider usage (Cascadia) adds British Columbia.",
)
us(
    "deep-south",
    "Deep South",
    [
        (-94.05, 29.3),
        (-94.05, 33.0),
        (-91.15, 33.0),
        (-90.3, 35.0),
        (-83.1, 35.0),
        (-82.4, 35.2),
        (-81.04, 35.15),
        (-80.93, 35.1),
        (-80.78, 34.82),
        (-79.68, 34.80),
        (-78.55, 33.86),
        (-78.0, 33.5),
        (-80.8, 31.0),
        (-81.3, 30.72),
        (-82.2, 30.57),
        (-84.86, 30.70),
        (-85.0, 31.0),
        (-87.6, 31.0),
        (-87.5, 30.2),
        (-89.0, 29.0),
    ],
    ["Deep South", "the Deep South", "Lower South"],
    "LA, MS, AL, GA and SC",
)
us(
    "gulf-coast",
    "Gulf Coast",
    [
        (-98.2, 26.0),
        (-97.8, 28.5),
        (-96.0, 30.0),
        (-94.0, 30.8),
        (-91.0, 31.0),
        (-88.0, 31.2),
        (-85.0, 31.0),
        (-83.0, 30.3),
        (-82.0, 28.5),
        (-81.3, 26.5),
        (-80.8, 25.0),
        (-80.5, 24.3),
        (-83.0, 24.3),
        (-85, 28),
        (-89, 28.5),
        (-94, 28.5),
        (-97, 25.5),
    ],
    ["Gulf Coast", "the Gulf Coast", "Gulf Coast of the United States", "Gulf South"],
    "the coastal band of TX, LA, MS, AL and FL on the Gulf of Mexico",
)
us(
    "east-coast",
    "East Coast",
    [
        (-67.0, 47.6),
        (-66.5, 44.5),
        (-70.0, 41.0),
        (-74.0, 39.0),
        (-75.5, 35.0),
        (-80.0, 31.0),
        (-80.0, 24.5),
        (-81.5, 25.0),
        (-81.5, 30.0),
        (-84.0, 33.5),
        (-79.5, 37.5),
        (-77.0, 40.0),
        (-74.5, 43.0),
        (-71.5, 45.5),
        (-70.0, 47.6),
    ],
    [
        "East Coast",
        "the East Coast",
        "Eastern Seaboard",
        "Atlantic Seaboard",
        "East Coast of the United States",
    ],
    "the Atlantic coastal states' seaboard from Maine to Florida",
)
us(
    "west-coast",
    "West Coast",
    [
        (-125.0, 49.0),
        (-116.05, 49.0),
        (-116.05, 48.0),
        (-117.0, 44.3),
        (-117.0, 42.0),
        (-120.0, 42.0),
        (-120.0, 39.0),
        (-114.63, 35.0),
        (-114.72, 32.72),
        (-117.12, 32.0),
        (-125.0, 32.0),
    ],
    ["West Coast", "the West Coast", "Pacific Coast", "West Coast of the United States"],
    "CA, OR and WA",
)
us(
    "southern-california",
    "Southern California",
    [
        (-121.5, 35.8),
        (-115.65, 35.8),
        (-114.63, 35.0),
        (-114.72, 32.72),
        (-117.12, 32.0),
        (-121.5, 32.0),
    ],
    ["Southern California", "SoCal", "So Cal", "southern California"],
    "California south of Monterey, Kings and Inyo counties",
)
us(
    "south-florida",
    "South Florida",
    [(-83.0, 24.3), (-79.8, 24.3), (-79.8, 27.2), (-81.3, 27.2), (-82.4, 26.9)],
    ["South Florida", "south Florida"],
    "Florida south of Lake Okeechobee's north shore",
)
us(
    "appalachia",
    "Appalachia",
    [
        (-75.0, 42.6),
        (-79.8, 42.3),
        (-80.5, 41.0),
        (-82.5, 39.5),
        (-84.0, 38.3),
        (-85.5, 36.5),
        (-88.5, 34.5),
        (-88.5, 33.0),
        (-86.0, 32.6),
        (-84.0, 33.8),
        (-82.0, 35.0),
        (-80.0, 36.3),
        (-78.5, 38.0),
        (-77.2, 39.7),
        (-75.2, 41.2),
    ],
    [
        "Appalachia",
        "Appalachian region",
        "Appalachians",
        "Appalachian Mountains",
        "the Appalachians",
    ],
    "the Appalachian Regional Commission area (southern NY to northern MS)",
)
us(
    "bay-area",
    "San Francisco Bay Area",
    [
        (-123.1, 38.3),
        (-122.0, 38.6),
        (-121.5, 38.1),
        (-121.2, 37.5),
        (-121.5, 36.9),
        (-122.1, 37.0),
        (-122.5, 37.2),
        (-122.8, 37.8),
    ],
    ["Bay Area", "San Francisco Bay Area", "SF Bay Area", "the Bay Area", "San Francisco Bay area"],
    "the nine Bay Area counties",
)
us(
    "silicon-valley",
    "Silicon Valley",
    [
        (-122.25, 37.50),
        (-122.0, 37.50),
        (-121.78, 37.42),
        (-121.75, 37.20),
        (-121.95, 37.18),
        (-122.18, 37.30),
    ],
    ["Silicon Valley", "Santa Clara Valley", "Silicon Valley (California)"],
    "the south San Francisco Bay from Menlo Park to San Jose",
)
feat(
    "great-smoky-mountains",
    "Great Smoky Mountains",
    "mountain-range",
    pt(-83.50, 35.60),
    ["Great Smoky Mountains", "Smoky Mountains", "the Smokies", "Smokies", "Great Smokies"],
    ["approximate centre of the range (Clingmans Dome area) from published maps"],
    country="US",
)
feat(
    "rocky-mountains",
    "Rocky Mountains",
    "mountain-range",
    line(
        [
            (-105.9, 35.7),
            (-105.6, 40.3),
            (-110.6, 44.4),
            (-113.7, 48.7),
            (-115.6, 51.2),
            (-123.0, 55.5),
            (-125.0, 59.0),
        ]
    ),
    ["Rocky Mountains", "Rockies", "the Rockies", "the Rocky Mountains"],
    [
        "approximate crest trace from published maps: Santa Fe, Rocky Mountain NP, "
        "Yellowstone, Glacier NP, Banff, "
        "northern British Columbia"
    ],
)
feat(
    "great-plains",
    "Great Plains",
    "region",
    finish(
        unary_union([C["USA"], C["CAN"]]).intersection(
            poly(
                [
                    (-105.5, 32.0),
                    (-97.5, 32.0),
                    (-97.0, 37.0),
                    (-96.5, 42.0),
                    (-97.5, 49.0),
                    (-100.0, 53.5),
                    (-115.0, 53.5),
                    (-114.0, 49.0),
                    (-110.5, 45.0),
                    (-105.5, 40.0),
                ]
            )
        )
    ),
    ["Great Plains", "the Great Plains", "High Plains"],
    [
        "approximate limits from published maps (east of the Rockies, west of about 97°W)",
        f"{NE}: United States and Canada borders",
    ],
)

write(
    sys.argv[1],
    "us-regions",
    "Informal regions of the United States that news names and GeoNames cities lack; see each "
    "feature's sources.",
)
