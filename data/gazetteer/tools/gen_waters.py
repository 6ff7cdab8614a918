"""Generate world-waters.geojson: oceans, seas, straits, canals, rivers and lakes."""

import sys

from shapely.geometry import Polygon
from shapely.ops import unary_union
from worldlib import NE, C, feat, finish, land_near, line, poly, pt, sea, write


def s(id, name, coords, aliases, what, **kw):
    feat(
        id,
        name,
        "sea",
        sea(coords),
        aliases,
        [
            f"approximate limits of {what} from published maps (IHO-style), with land removed "
            f"using {NE}"
        ],
        **kw,
    )


def p(id, name, kind, lon, lat, aliases, what, **kw):
    feat(
        id,
        name,
        kind,
        pt(lon, lat),
        aliases,
        [f"approximate position of {what} from published maps"],
        **kw,
    )


def r(id, name, coords, aliases, what, kind="river", **kw):
    feat(
        id,
        name,
        kind,
        line(coords),
        aliases,
        [f"approximate trace from published maps: {what}"],
        **kw,
    )


# --- oceans (polygons: a generous outline per basin minus land) ----------------------------
_LAND = None


def world_land():
    global _LAND
    if _LAND is None:
        _LAND = unary_union([g.simplify(0.02) for g in C.values()]).buffer(0)
    return _LAND


def ocean(id, name, outlines, aliases, what, **kw):
    water = unary_union([poly(o) for o in outlines]).difference(world_land())
    # islands are holes here; only large ones are worth their bytes
    water = unary_union(
        [
            Polygon(p.exterior.coords, [r.coords for r in p.interiors if Polygon(r).area > 20])
            for p in getattr(water, "geoms", [water])
        ]
    )
    feat(
        id,
        name,
        "ocean",
        finish(water, tol=0.2, min_part=0.5),
        aliases,
        [
            f"approximate limits of {what} from published maps (IHO-style basin limits), "
            f"with land removed using {NE}"
        ],
        **kw,
    )


def p_ocean(id, name, lon, lat, aliases, what, **kw):
    feat(
        id,
        name,
        "ocean",
        pt(lon, lat),
        aliases,
        [f"approximate position of {what} from published maps"],
        **kw,
    )


ocean(
    "atlantic-ocean",
    "Atlantic Ocean",
    [
        [
            (-67, -60),
            (20, -60),
            (20, -34.8),
            (20, -30),
            (12, 5),
            (0, 15),
            (-5.6, 35.9),
            (-5.6, 36.1),
            (0, 43),
            (1.5, 51.1),
            (-2, 53),
            (-3.2, 58.6),
            (-1, 61),
            (5, 62),
            (20, 69.5),
            (20, 70),
            (-22, 70.5),
            (-45, 62),
            (-50, 66.5),
            (-65, 66.5),
            (-64.5, 60.3),
            (-65, 55),
            (-70, 45),
            (-80, 30),
            (-95, 30),
            (-95, 18),
            (-85, 13),
            (-77.5, 8),
            (-60, 5),
            (-45, -5),
            (-50, -25),
            (-65, -40),
            (-68, -55),
        ]
    ],
    ["Atlantic Ocean", "Atlantic", "the Atlantic", "Atlantic ocean", "Océan Atlantique"],
    "the Atlantic between the Americas and Europe/Africa, 60°S to the Arctic limits, with the "
    "Caribbean and the Gulf of Mexico, without the Mediterranean and the North Sea",
)
ocean(
    "pacific-ocean",
    "Pacific Ocean",
    [
        [
            (-180, -60),
            (-67, -60),
            (-68, -55),
            (-72, -40),
            (-75, -10),
            (-80, 0),
            (-78, 8),
            (-85, 13),
            (-95, 18),
            (-110, 30),
            (-120, 40),
            (-125, 55),
            (-150, 62),
            (-165, 60),
            (-168, 65.7),
            (-180, 65.7),
        ],
        [
            (180, 65.7),
            (180, -60),
            (147, -60),
            (147, -43.6),
            (150, -35),
            (142, -11),
            (131, -2),
            (125, 1),
            (117, 7),
            (105, 10),
            (108, 22),
            (122, 40),
            (130, 43),
            (140, 52),
            (160, 60),
            (175, 65.7),
        ],
    ],
    ["Pacific Ocean", "Pacific", "the Pacific", "Pacific ocean", "Océan Pacifique"],
    "the Pacific from 60°S to the Bering Strait, with its marginal seas in East Asia",
)
ocean(
    "indian-ocean",
    "Indian Ocean",
    [
        [
            (20, -60),
            (147, -60),
            (147, -43.6),
            (140, -38),
            (115, -25),
            (130, -15),
            (125, -9),
            (115, -8.5),
            (105, -6),
            (100, 2),
            (98, 8),
            (95, 20),
            (88, 24),
            (70, 25),
            (57, 27),
            (50, 30),
            (45, 15),
            (43.4, 12.6),
            (40, 10),
            (40, 0),
            (35, -20),
            (25, -30),
            (20, -34.8),
        ]
    ],
    ["Indian Ocean", "Indian ocean", "Océan Indien"],
    "the Indian Ocean from 60°S north to Asia, with the Arabian Sea and the Bay of Bengal, without "
    "the Red Sea",
)
ocean(
    "arctic-ocean",
    "Arctic Ocean",
    [[(-180, 66.5), (180, 66.5), (180, 90), (-180, 90)]],
    ["Arctic Ocean", "Arctic ocean"],
    "the seas north of the Arctic Circle",
)
ocean(
    "southern-ocean",
    "Southern Ocean",
    [[(-180, -60), (180, -60), (180, -85), (-180, -85)]],
    ["Southern Ocean", "Antarctic Ocean"],
    "the waters south of 60°S",
)
p_ocean(
    "north-atlantic",
    "North Atlantic",
    -40.0,
    45.0,
    ["North Atlantic", "North Atlantic Ocean"],
    "the North Atlantic",
)
p_ocean(
    "south-atlantic",
    "South Atlantic",
    -15.0,
    -25.0,
    ["South Atlantic", "South Atlantic Ocean"],
    "the South Atlantic",
)
p_ocean(
    "north-pacific",
    "North Pacific",
    -160.0,
    35.0,
    ["North Pacific", "North Pacific Ocean"],
    "the North Pacific",
)
p_ocean(
    "south-pacific",
    "South Pacific",
    -140.0,
    -30.0,
    ["South Pacific", "South Pacific Ocean"],
    "the South Pacific",
)

# --- seas (polygons: a generous outline minus land) ------------------------------------------
s(
    "mediterranean-sea",
    "Mediterranean Sea",
    [
        (-5.6, 35.0),
        (10, 30),
        (36.5, 30),
        (36.5, 37.5),
        (26.9, 39.9),
        (26.3, 40.25),
        (26.0, 41.5),
        (20, 46.0),
        (12, 46.5),
        (3, 44.5),
        (-5.6, 36.3),
    ],
    [
        "Mediterranean Sea",
        "Mediterranean",
        "the Mediterranean",
        "Mediterranean sea",
        "Mer Méditerranée",
        "Mar Mediterráneo",
        "البحر الأبيض المتوسط",
    ],
    "the Mediterranean (Gibraltar to the Dardanelles and Suez)",
)
s(
    "black-sea",
    "Black Sea",
    [
        (28.0, 41.15),
        (30.0, 41.15),
        (42.0, 40.8),
        (42.0, 43.5),
        (38.0, 45.0),
        (36.9, 45.2),
        (36.3, 45.3),
        (33.5, 46.0),
        (31.0, 47.0),
        (29.5, 46.5),
        (28.0, 45.0),
        (27.0, 42.0),
    ],
    [
        "Black Sea",
        "the Black Sea",
        "Euxine",
        "Karadeniz",
        "Marea Neagră",
        "Чёрное море",
        "Чорне море",
        "შავი ზღვა",
    ],
    "the Black Sea (Bosphorus to the Kerch Strait)",
)
s(
    "sea-of-azov",
    "Sea of Azov",
    [(34.5, 45.25), (36.3, 45.3), (36.9, 45.2), (39.5, 45.1), (39.5, 47.4), (34.5, 47.4)],
    ["Sea of Azov", "Azov Sea", "Azovskoye More", "Азовское море", "Азовське море"],
    "the Sea of Azov with the Syvash",
)
s(
    "red-sea",
    "Red Sea",
    [
        (32.0, 30.2),
        (35.5, 30.2),
        (41.0, 20.0),
        (43.5, 16.0),
        (43.6, 12.75),
        (43.1, 12.35),
        (39.0, 14.5),
        (36.0, 20.0),
        (33.5, 25.0),
    ],
    ["Red Sea", "the Red Sea", "Mer Rouge", "البحر الأحمر"],
    "the Red Sea with the gulfs of Suez and Aqaba",
)
s(
    "persian-gulf",
    "Persian Gulf",
    [
        (47.5, 30.6),
        (50.5, 30.6),
        (56.6, 27.3),
        (56.5, 27.2),
        (56.3, 26.2),
        (55.0, 24.0),
        (51.0, 23.5),
        (47.5, 28.5),
    ],
    [
        "Persian Gulf",
        "Arabian Gulf",
        "the Gulf",
        "the Persian Gulf",
        "Gulf of Persia",
        "خلیج فارس",
        "الخليج العربي",
        "الخليج",
    ],
    "the Persian Gulf west of the Strait of Hormuz",
    notes="One feature for both names (Persian Gulf, Arabian Gulf).",
)
s(
    "gulf-of-oman",
    "Gulf of Oman",
    [(56.5, 27.2), (56.3, 26.2), (56.0, 24.0), (59.8, 22.45), (61.7, 25.0), (58.0, 27.0)],
    ["Gulf of Oman", "Sea of Oman", "Gulf of Makran", "خليج عمان", "دریای عمان"],
    "the Gulf of Oman",
)
s(
    "arabian-sea",
    "Arabian Sea",
    [
        (52.2, 15.7),
        (55.5, 19.5),
        (58.0, 21.5),
        (59.8, 22.45),
        (61.7, 25.05),
        (68.0, 25.5),
        (72.5, 22.5),
        (75.0, 15.0),
        (77.5, 8.2),
        (73.0, 0.0),
        (51.3, 11.8),
    ],
    ["Arabian Sea", "Sea of Arabia"],
    "the Arabian Sea",
)
s(
    "gulf-of-aden",
    "Gulf of Aden",
    [(43.6, 12.75), (45.0, 14.0), (52.2, 15.7), (51.3, 11.8), (48.0, 10.5), (43.1, 12.35)],
    ["Gulf of Aden", "خليج عدن"],
    "the Gulf of Aden",
)
s(
    "south-china-sea",
    "South China Sea",
    [
        (120.85, 21.9),
        (120.5, 18.5),
        (121.0, 14.0),
        (120.8, 13.0),
        (121.0, 12.5),
        (119.5, 10.5),
        (117.2, 8.3),
        (116.8, 7.0),
        (110.0, 1.5),
        (110.5, -1.0),
        (106.0, -3.0),
        (104.5, -2.5),
        (103.9, 0.5),
        (103.9, 1.5),
        (103.4, 4.0),
        (102.2, 6.2),
        (104.8, 8.55),
        (106.5, 10.5),
        (108.5, 12.5),
        (106.5, 18.5),
        (106.0, 21.5),
        (108.0, 22.5),
        (113.5, 23.0),
        (117.4, 23.7),
    ],
    [
        "South China Sea",
        "West Philippine Sea",
        "Biển Đông",
        "南海",
        "Laut Cina Selatan",
        "Dagat Timog Tsina",
    ],
    "the South China Sea with the Gulf of Tonkin, without the Gulf of Thailand",
    notes="One feature for every name (West Philippine Sea, Biển Đông, ...).",
)
s(
    "east-china-sea",
    "East China Sea",
    [
        (121.6, 24.8),
        (119.5, 26.5),
        (121.0, 30.5),
        (121.7, 31.7),
        (126.3, 33.2),
        (129.7, 33.0),
        (131.0, 31.0),
        (128.5, 27.0),
        (125.5, 24.5),
        (123.0, 24.0),
    ],
    ["East China Sea", "东海", "東シナ海", "동중국해"],
    "the East China Sea",
)
s(
    "yellow-sea",
    "Yellow Sea",
    [
        (121.7, 31.7),
        (126.3, 33.2),
        (126.6, 35.0),
        (126.5, 37.5),
        (125.0, 39.7),
        (122.0, 39.5),
        (121.2, 38.8),
        (120.7, 37.8),
        (119.0, 36.0),
        (120.0, 33.0),
    ],
    ["Yellow Sea", "黄海", "서해", "West Sea (Korea)"],
    "the Yellow Sea without the Bohai",
)
s(
    "sea-of-japan",
    "Sea of Japan",
    [
        (128.7, 35.2),
        (130.5, 33.5),
        (132.0, 34.3),
        (135.5, 35.0),
        (139.0, 37.5),
        (140.5, 40.5),
        (140.2, 41.5),
        (141.8, 45.4),
        (142.0, 46.1),
        (142.0, 50.0),
        (140.0, 51.0),
        (135.0, 43.5),
        (131.5, 43.2),
        (129.8, 41.5),
        (128.5, 38.0),
    ],
    ["Sea of Japan", "East Sea", "Japan Sea", "日本海", "동해", "Японское море"],
    "the Sea of Japan",
    notes="'East Sea' is the Korean name; one feature for every name.",
)
s(
    "baltic-sea",
    "Baltic Sea",
    [
        (10.0, 54.0),
        (9.6, 55.0),
        (10.5, 55.5),
        (11.8, 55.7),
        (12.6, 56.05),
        (13.0, 56.5),
        (17.0, 63.0),
        (21.0, 66.5),
        (24.0, 66.5),
        (26.0, 64.0),
        (30.7, 60.0),
        (28.0, 57.0),
        (22.0, 54.8),
        (14.0, 53.5),
    ],
    [
        "Baltic Sea",
        "the Baltic",
        "Baltic",
        "Ostsee",
        "Östersjön",
        "Itämeri",
        "Morze Bałtyckie",
        "Балтийское море",
    ],
    "the Baltic Sea with the gulfs of Bothnia, Finland and Riga, east of the Danish straits",
)
s(
    "north-sea",
    "North Sea",
    [
        (0.8, 51.0),
        (1.7, 50.8),
        (5.0, 51.5),
        (8.5, 53.5),
        (9.0, 57.0),
        (7.0, 58.1),
        (6.0, 59.5),
        (5.5, 61.0),
        (-0.9, 61.0),
        (-3.0, 59.0),
        (-3.2, 58.6),
        (-3.5, 56.0),
        (-1.5, 53.0),
    ],
    ["North Sea", "Nordsee", "Noordzee", "Nordsøen", "Mer du Nord"],
    "the North Sea",
)
s(
    "caspian-sea",
    "Caspian Sea",
    [(46.0, 36.0), (55.5, 36.0), (55.5, 47.5), (46.0, 47.5)],
    [
        "Caspian Sea",
        "the Caspian",
        "Caspian",
        "Каспийское море",
        "دریای خزر",
        "Xəzər dənizi",
        "Каспий теңізі",
    ],
    "the Caspian Sea",
    notes="An endorheic lake by definition, a sea by name.",
)
s(
    "caribbean-sea",
    "Caribbean Sea",
    [
        (-88.0, 21.0),
        (-86.8, 21.6),
        (-84.9, 21.9),
        (-77.0, 20.6),
        (-74.0, 20.1),
        (-73.4, 19.7),
        (-70.0, 19.0),
        (-67.0, 18.2),
        (-65.7, 18.2),
        (-64.6, 18.4),
        (-63.0, 18.1),
        (-61.8, 17.0),
        (-61.4, 15.4),
        (-61.0, 14.6),
        (-61.0, 13.9),
        (-61.2, 13.2),
        (-61.7, 12.1),
        (-61.3, 10.4),
        (-63.0, 10.3),
        (-72.0, 10.0),
        (-76.0, 9.0),
        (-79.5, 9.0),
        (-80.5, 8.5),
        (-84.0, 10.5),
        (-85.5, 14.0),
        (-88.8, 16.0),
    ],
    ["Caribbean Sea", "Mar Caribe", "Mer des Caraïbes"],
    "the Caribbean Sea",
)
s(
    "gulf-of-mexico",
    "Gulf of Mexico",
    [
        (-80.8, 27.0),
        (-81.0, 25.3),
        (-81.8, 24.55),
        (-83.0, 22.8),
        (-84.95, 21.87),
        (-86.8, 21.6),
        (-90.0, 20.0),
        (-94.0, 17.8),
        (-98.2, 22.0),
        (-98.0, 27.0),
        (-94.0, 30.5),
        (-89.0, 31.0),
        (-84.0, 30.5),
    ],
    ["Gulf of Mexico", "Gulf of America", "Golfo de México", "the Gulf of Mexico"],
    "the Gulf of Mexico",
    notes="'Gulf of America' is the official US federal name since 2025; one feature for "
    "every name.",
)
s(
    "bay-of-bengal",
    "Bay of Bengal",
    [
        (80.6, 7.0),
        (80.6, 5.9),
        (95.3, 5.6),
        (93.8, 7.0),
        (92.7, 11.5),
        (94.2, 16.0),
        (94.5, 19.5),
        (91.5, 23.0),
        (87.0, 22.5),
        (83.0, 18.5),
        (80.0, 14.0),
        (79.5, 10.5),
        (80.0, 9.7),
    ],
    ["Bay of Bengal", "বঙ্গোপসাগর", "வங்காள விரிகுடா"],
    "the Bay of Bengal",
)
s(
    "adriatic-sea",
    "Adriatic Sea",
    [
        (18.37, 39.8),
        (20.0, 39.7),
        (19.5, 42.0),
        (15.5, 45.0),
        (13.9, 45.8),
        (12.0, 45.5),
        (12.3, 44.0),
        (14.3, 42.0),
        (16.0, 41.2),
        (18.0, 40.2),
    ],
    ["Adriatic Sea", "Adriatic", "the Adriatic", "Mare Adriatico", "Jadransko more"],
    "the Adriatic Sea north of the Strait of Otranto",
)
s(
    "aegean-sea",
    "Aegean Sea",
    [
        (22.9, 36.6),
        (23.6, 35.5),
        (26.1, 35.2),
        (27.15, 35.6),
        (28.0, 36.1),
        (28.5, 37.0),
        (27.3, 39.0),
        (26.3, 40.25),
        (26.0, 41.0),
        (23.0, 41.0),
        (22.5, 39.5),
        (23.0, 38.3),
        (22.7, 37.5),
    ],
    ["Aegean Sea", "Aegean", "the Aegean", "Αιγαίο Πέλαγος", "Ege Denizi"],
    "the Aegean Sea north of Crete",
)

# --- straits and canals ------------------------------------------------------------------
p(
    "strait-of-hormuz",
    "Strait of Hormuz",
    "strait",
    56.40,
    26.60,
    [
        "Strait of Hormuz",
        "Hormuz Strait",
        "Straits of Hormuz",
        "Strait of Ormuz",
        "تنگه هرمز",
        "مضيق هرمز",
    ],
    "the strait's narrowest point between Larak island and the Musandam peninsula",
)
p(
    "bab-el-mandeb",
    "Bab el-Mandeb",
    "strait",
    43.33,
    12.58,
    [
        "Bab el-Mandeb",
        "Bab-el-Mandeb",
        "Bab al-Mandab",
        "Bab el Mandeb",
        "Bab-al-Mandab",
        "Bab el-Mandeb Strait",
        "Bab al-Mandab Strait",
        "Mandeb Strait",
        "باب المندب",
    ],
    "the strait between Yemen and Djibouti at Perim",
)
feat(
    "taiwan-strait",
    "Taiwan Strait",
    "strait",
    finish(
        poly(
            [(118.0, 24.4), (119.4, 25.6), (121.2, 25.3), (120.2, 22.5), (117.2, 23.6)]
        ).difference(land_near(poly([(117.0, 22.0), (122.0, 22.0), (122.0, 26.0), (117.0, 26.0)]))),
        tol=0.01,
    ),
    ["Taiwan Strait", "Formosa Strait", "Strait of Taiwan", "台湾海峡", "臺灣海峽"],
    [f"approximate limits of the strait from published maps, with land removed using {NE}"],
)
p(
    "bosphorus",
    "Bosphorus",
    "strait",
    29.05,
    41.12,
    ["Bosphorus", "Bosporus", "Strait of Istanbul", "İstanbul Boğazı", "Bosphorus Strait"],
    "the Bosphorus at Istanbul",
)
p(
    "dardanelles",
    "Dardanelles",
    "strait",
    26.40,
    40.20,
    ["Dardanelles", "Çanakkale Strait", "Hellespont", "Çanakkale Boğazı", "Dardanelles Strait"],
    "the Dardanelles at Çanakkale",
)
p(
    "strait-of-gibraltar",
    "Strait of Gibraltar",
    "strait",
    -5.60,
    35.95,
    ["Strait of Gibraltar", "Straits of Gibraltar", "Estrecho de Gibraltar", "مضيق جبل طارق"],
    "the Strait of Gibraltar",
)
r(
    "strait-of-malacca",
    "Strait of Malacca",
    [(97.5, 5.8), (99.5, 4.0), (101.0, 2.6), (102.5, 1.8), (103.5, 1.25)],
    ["Strait of Malacca", "Straits of Malacca", "Malacca Strait", "Selat Melaka", "Selat Malaka"],
    "the strait's axis between Sumatra and the Malay Peninsula",
    kind="strait",
)
p(
    "kerch-strait",
    "Kerch Strait",
    "strait",
    36.55,
    45.30,
    ["Kerch Strait", "Strait of Kerch", "Керченский пролив", "Керченська протока"],
    "the Kerch Strait at the Crimean bridge",
)
p(
    "english-channel",
    "English Channel",
    "strait",
    -1.5,
    50.2,
    ["English Channel", "La Manche", "the English Channel"],
    "the central English Channel",
)
r(
    "suez-canal",
    "Suez Canal",
    [
        (32.30, 31.25),
        (32.32, 30.85),
        (32.29, 30.58),
        (32.38, 30.35),
        (32.55, 30.05),
        (32.56, 29.93),
    ],
    ["Suez Canal", "Suez canal", "the Suez Canal", "قناة السويس", "Canal de Suez"],
    "Port Said, El Qantara, Ismailia, the Great Bitter Lake and Suez",
    kind="canal",
    country="EG",
)
r(
    "panama-canal",
    "Panama Canal",
    [
        (-79.92, 9.37),
        (-79.92, 9.27),
        (-79.85, 9.17),
        (-79.69, 9.12),
        (-79.65, 9.05),
        (-79.61, 9.02),
        (-79.59, 8.99),
        (-79.57, 8.95),
    ],
    ["Panama Canal", "Panama canal", "the Panama Canal", "Canal de Panamá"],
    "Colón, the Gatun locks, Gatun Lake, Gamboa, the Culebra Cut, Pedro Miguel, Miraflores "
    "and Balboa",
    kind="canal",
    country="PA",
)

# --- rivers -------------------------------------------------------------------------------
r(
    "mississippi-river",
    "Mississippi River",
    [
        (-95.21, 47.24),
        (-93.27, 44.98),
        (-91.25, 43.80),
        (-90.58, 41.52),
        (-91.1, 40.4),
        (-90.19, 38.63),
        (-89.18, 37.0),
        (-90.05, 35.15),
        (-91.15, 33.4),
        (-90.88, 32.35),
        (-91.19, 30.45),
        (-90.07, 29.95),
        (-89.25, 29.15),
    ],
    [
        "Mississippi River",
        "River Mississippi",
        "the Mississippi River",
        "Mississippi river",
        "Mighty Mississippi",
    ],
    "Lake Itasca, Minneapolis, La Crosse, Davenport, St. Louis, Cairo, Memphis, Vicksburg, "
    "Baton Rouge, New Orleans",
    country="US",
    notes="No bare 'Mississippi' alias: that is the state.",
)
r(
    "missouri-river",
    "Missouri River",
    [
        (-111.5, 45.9),
        (-111.3, 47.5),
        (-106.5, 48.0),
        (-101.4, 47.4),
        (-100.78, 46.8),
        (-100.35, 44.37),
        (-97.4, 42.87),
        (-96.4, 42.5),
        (-95.93, 41.26),
        (-94.6, 39.1),
        (-92.2, 38.58),
        (-90.12, 38.81),
    ],
    ["Missouri River", "River Missouri"],
    "Three Forks, Great Falls, Bismarck, Pierre, Sioux City, Omaha, Kansas City, "
    "Jefferson City, the Mississippi above St. Louis",
    country="US",
)
r(
    "ohio-river",
    "Ohio River",
    [
        (-80.01, 40.44),
        (-80.72, 40.06),
        (-81.5, 39.3),
        (-82.6, 38.42),
        (-84.51, 39.1),
        (-85.76, 38.25),
        (-87.57, 37.97),
        (-88.6, 37.1),
        (-89.18, 37.0),
    ],
    ["Ohio River", "River Ohio"],
    "Pittsburgh, Wheeling, Parkersburg, Huntington, Cincinnati, Louisville, Evansville, "
    "Paducah, Cairo",
    country="US",
)
r(
    "colorado-river",
    "Colorado River",
    [
        (-105.85, 40.32),
        (-107.3, 39.55),
        (-108.55, 39.06),
        (-110.1, 38.2),
        (-111.5, 36.9),
        (-112.1, 36.1),
        (-114.05, 36.0),
        (-114.6, 35.0),
        (-114.6, 33.6),
        (-114.62, 32.73),
        (-114.8, 31.8),
    ],
    ["Colorado River", "Río Colorado"],
    "Grand Lake, Glenwood Springs, Grand Junction, Lake Powell, the Grand Canyon, "
    "Lake Mead, Yuma, the Gulf of California",
    notes="The Colorado of the Southwest, not the Texas river of the same name.",
)
r(
    "rio-grande",
    "Rio Grande",
    [
        (-107.5, 37.8),
        (-106.0, 37.3),
        (-106.65, 35.08),
        (-106.9, 34.0),
        (-106.5, 31.75),
        (-104.4, 29.55),
        (-103.2, 29.0),
        (-101.0, 29.6),
        (-100.5, 28.7),
        (-99.5, 27.5),
        (-98.2, 26.05),
        (-97.15, 25.95),
    ],
    ["Rio Grande", "Río Grande", "Rio Bravo", "Río Bravo del Norte", "Rio Grande River"],
    "San Juan Mountains, Albuquerque, El Paso, Big Bend, Laredo, Brownsville",
    notes="US–Mexico border river.",
)
r(
    "hudson-river",
    "Hudson River",
    [
        (-74.06, 44.11),
        (-73.7, 43.3),
        (-73.75, 42.65),
        (-73.95, 41.7),
        (-73.95, 41.1),
        (-74.02, 40.70),
    ],
    ["Hudson River", "the Hudson", "North River (Hudson)"],
    "the Adirondacks, Albany, Poughkeepsie, New York City",
    country="US",
)
r(
    "potomac-river",
    "Potomac River",
    [
        (-78.77, 39.45),
        (-77.74, 39.32),
        (-77.25, 39.0),
        (-77.04, 38.88),
        (-77.05, 38.72),
        (-76.3, 38.0),
    ],
    ["Potomac River", "the Potomac"],
    "Cumberland, Harpers Ferry, Washington, Chesapeake Bay",
    country="US",
)
r(
    "nile",
    "Nile",
    [
        (33.20, 0.42),
        (32.8, 1.5),
        (32.06, 3.6),
        (31.58, 4.85),
        (31.65, 9.53),
        (32.53, 15.6),
        (33.99, 17.7),
        (33.32, 19.55),
        (30.48, 19.17),
        (31.35, 21.8),
        (32.9, 24.09),
        (32.64, 25.69),
        (31.18, 27.18),
        (31.24, 30.05),
        (30.42, 31.4),
    ],
    ["Nile", "Nile River", "River Nile", "the Nile", "النيل", "نهر النيل"],
    "Jinja, Juba, Malakal, Khartoum, Atbara, Dongola, Wadi Halfa, Aswan, Luxor, Asyut, Cairo, "
    "Rosetta",
    notes="Traced along the White Nile from Lake Victoria.",
)
r(
    "danube",
    "Danube",
    [
        (8.5, 47.95),
        (9.99, 48.4),
        (12.1, 49.02),
        (13.46, 48.57),
        (14.29, 48.31),
        (16.37, 48.21),
        (17.11, 48.14),
        (19.04, 47.5),
        (18.68, 45.99),
        (19.0, 45.35),
        (19.85, 45.25),
        (20.46, 44.82),
        (22.5, 44.65),
        (22.87, 43.99),
        (25.95, 43.85),
        (27.27, 44.12),
        (27.97, 45.27),
        (28.05, 45.43),
        (28.84, 45.35),
        (29.65, 45.16),
    ],
    [
        "Danube",
        "Danube River",
        "River Danube",
        "the Danube",
        "Donau",
        "Duna",
        "Dunav",
        "Dunărea",
        "Дунай",
    ],
    "Donaueschingen, Ulm, Regensburg, Passau, Linz, Vienna, Bratislava, Budapest, Novi Sad, "
    "Belgrade, the Iron Gates, "
    "Ruse, Galați, Izmail, Sulina",
)
r(
    "dnipro",
    "Dnipro",
    [
        (33.0, 55.9),
        (32.04, 54.78),
        (30.4, 54.5),
        (30.33, 53.9),
        (30.3, 52.0),
        (30.52, 50.45),
        (31.5, 49.8),
        (33.42, 49.07),
        (35.05, 48.45),
        (35.14, 47.84),
        (34.4, 47.57),
        (33.35, 46.76),
        (32.62, 46.64),
        (31.9, 46.55),
    ],
    [
        "Dnipro River",
        "Dnieper",
        "Dnieper River",
        "River Dnieper",
        "Dnepr River",
        "Dnipro river",
        "Дніпро",
        "Днепр",
    ],
    "the Valdai Hills, Smolensk, Orsha, Mogilev, Kyiv, Kremenchuk, Dnipro, Zaporizhzhia, Nova "
    "Kakhovka, Kherson",
    notes="No bare 'Dnipro' alias: that is also the city.",
)
r(
    "euphrates",
    "Euphrates",
    [
        (38.8, 38.8),
        (38.3, 37.8),
        (37.95, 37.03),
        (38.0, 36.82),
        (38.55, 35.84),
        (39.01, 35.95),
        (40.14, 35.33),
        (40.92, 34.45),
        (42.38, 34.13),
        (43.3, 33.42),
        (43.78, 33.35),
        (44.42, 32.48),
        (45.29, 31.31),
        (46.26, 31.04),
        (47.43, 31.0),
    ],
    [
        "Euphrates",
        "Euphrates River",
        "River Euphrates",
        "the Euphrates",
        "Fırat",
        "Firat",
        "الفرات",
        "نهر الفرات",
    ],
    "Keban, Birecik, Jarablus, Tabqa, Raqqa, Deir ez-Zor, Abu Kamal, Haditha, Ramadi, "
    "Fallujah, Hillah, Samawah, "
    "Nasiriyah, Qurna",
)
r(
    "tigris",
    "Tigris",
    [
        (39.4, 38.5),
        (40.23, 37.91),
        (41.5, 37.7),
        (42.19, 37.33),
        (43.13, 36.34),
        (43.3, 35.5),
        (43.68, 34.6),
        (43.87, 34.2),
        (44.38, 33.34),
        (45.82, 32.5),
        (47.15, 31.84),
        (47.43, 31.0),
    ],
    ["Tigris", "Tigris River", "River Tigris", "the Tigris", "Dicle", "دجلة", "نهر دجلة"],
    "Lake Hazar, Diyarbakır, Cizre, Mosul, Tikrit, Samarra, Baghdad, Kut, Amarah, Qurna",
)
r(
    "shatt-al-arab",
    "Shatt al-Arab",
    [(47.43, 31.0), (47.8, 30.5), (48.2, 30.35), (48.5, 29.98)],
    ["Shatt al-Arab", "Shatt al Arab", "Arvand Rud", "Arvand River", "شط العرب", "اروندرود"],
    "Qurna, Basra, Khorramshahr, Al-Faw",
)
r(
    "jordan-river",
    "Jordan River",
    [
        (35.65, 33.24),
        (35.62, 33.07),
        (35.63, 32.89),
        (35.57, 32.71),
        (35.57, 32.4),
        (35.55, 32.1),
        (35.54, 31.87),
        (35.56, 31.76),
    ],
    ["Jordan River", "River Jordan", "the Jordan River", "Jordan river", "نهر الأردن", "נהר הירדן"],
    "Dan, the Hula valley, the Sea of Galilee, the Adam and Allenby bridges, the Dead Sea",
    notes="No bare 'Jordan' alias: that is the country.",
)
r(
    "rhine",
    "Rhine",
    [
        (8.67, 46.63),
        (9.53, 46.85),
        (9.5, 47.5),
        (8.63, 47.7),
        (7.59, 47.56),
        (7.8, 48.58),
        (8.3, 49.03),
        (8.46, 49.49),
        (8.27, 50.0),
        (7.6, 50.36),
        (7.1, 50.73),
        (6.96, 50.94),
        (6.77, 51.23),
        (6.75, 51.43),
        (6.25, 51.83),
        (5.86, 51.85),
        (4.48, 51.92),
        (4.12, 51.98),
    ],
    ["Rhine", "Rhine River", "River Rhine", "the Rhine", "Rhein", "Rhin", "Rijn"],
    "Lake Toma, Chur, Lake Constance, Basel, Strasbourg, Mannheim, Mainz, Koblenz, Bonn, "
    "Cologne, Düsseldorf, "
    "Duisburg, Nijmegen, Rotterdam",
)
r(
    "amazon-river",
    "Amazon River",
    [
        (-73.5, -4.45),
        (-73.25, -3.75),
        (-69.94, -4.2),
        (-64.7, -3.35),
        (-60.02, -3.13),
        (-55.5, -1.9),
        (-54.7, -2.43),
        (-52.58, -1.52),
        (-50.0, -0.1),
    ],
    [
        "Amazon River",
        "River Amazon",
        "Amazonas River",
        "Rio Amazonas",
        "Río Amazonas",
        "the Amazon River",
    ],
    "the Marañón–Ucayali confluence, Iquitos, Leticia, Tefé, Manaus, Óbidos, Santarém, the "
    "Atlantic",
    notes="No bare 'Amazon' alias (the company); the rainforest is `amazon-rainforest`.",
)
r(
    "volga",
    "Volga",
    [
        (32.5, 57.25),
        (35.9, 56.86),
        (39.87, 57.63),
        (44.0, 56.33),
        (49.1, 55.8),
        (48.4, 54.3),
        (50.1, 53.2),
        (46.0, 51.53),
        (44.5, 48.7),
        (46.0, 46.35),
        (47.8, 45.8),
    ],
    ["Volga", "Volga River", "River Volga", "the Volga", "Волга"],
    "Valdai, Tver, Yaroslavl, Nizhny Novgorod, Kazan, Ulyanovsk, Samara, Saratov, Volgograd, "
    "Astrakhan",
)
r(
    "yangtze",
    "Yangtze",
    [
        (91.0, 33.5),
        (97.0, 33.0),
        (99.2, 28.0),
        (100.2, 26.9),
        (104.6, 28.77),
        (106.55, 29.56),
        (110.0, 30.9),
        (111.28, 30.7),
        (114.3, 30.6),
        (117.0, 30.5),
        (118.78, 32.05),
        (121.7, 31.5),
    ],
    ["Yangtze", "Yangtze River", "Chang Jiang", "Changjiang", "Yangtse", "长江", "長江"],
    "the Tanggula source, Yibin, Chongqing, the Three Gorges, Yichang, Wuhan, Anqing, "
    "Nanjing, Shanghai",
)
r(
    "yellow-river",
    "Yellow River",
    [
        (96.0, 34.8),
        (101.5, 35.9),
        (103.8, 36.06),
        (106.3, 39.0),
        (109.8, 40.6),
        (111.0, 39.5),
        (110.4, 35.6),
        (110.3, 34.6),
        (113.6, 34.9),
        (116.99, 36.67),
        (118.9, 37.75),
    ],
    ["Yellow River", "Huang He", "Huanghe", "Hwang Ho", "黄河"],
    "the Bayan Har source, Lanzhou, Yinchuan, Baotou, the Ordos loop, Sanmenxia, Zhengzhou, "
    "Jinan, the Bohai",
)
r(
    "ganges",
    "Ganges",
    [
        (79.07, 30.92),
        (78.17, 29.95),
        (80.0, 27.0),
        (80.35, 26.45),
        (81.85, 25.43),
        (83.0, 25.32),
        (85.14, 25.6),
        (87.3, 25.2),
        (88.1, 24.1),
        (89.8, 23.4),
        (90.6, 22.6),
    ],
    ["Ganges", "Ganga", "Ganges River", "River Ganges", "the Ganges", "गंगा", "গঙ্গা"],
    "Gangotri, Haridwar, Kanpur, Prayagraj, Varanasi, Patna, Bhagalpur, the Padma in "
    "Bangladesh, the Bay of Bengal",
)
r(
    "indus",
    "Indus",
    [
        (81.0, 31.2),
        (77.58, 34.16),
        (75.3, 35.7),
        (73.2, 35.5),
        (72.7, 34.0),
        (71.2, 32.5),
        (70.8, 30.0),
        (68.86, 27.7),
        (68.37, 25.4),
        (67.5, 24.0),
    ],
    ["Indus", "Indus River", "River Indus", "Sindhu", "سندھ"],
    "Lake Manasarovar area, Leh, Skardu, the Tarbela dam, Kalabagh, Sukkur, Hyderabad, the "
    "Arabian Sea",
)
r(
    "mekong",
    "Mekong",
    [
        (94.5, 33.5),
        (97.2, 31.1),
        (99.2, 27.5),
        (100.8, 22.0),
        (100.1, 20.3),
        (102.6, 17.97),
        (104.75, 16.55),
        (105.8, 15.1),
        (105.97, 13.5),
        (104.92, 11.56),
        (105.75, 10.03),
        (106.6, 9.6),
    ],
    [
        "Mekong",
        "Mekong River",
        "River Mekong",
        "the Mekong",
        "Lancang",
        "澜沧江",
        "แม่น้ำโขง",
        "Sông Cửu Long",
    ],
    "Qinghai, Yunnan, the Golden Triangle, Vientiane, Pakse, Stung Treng, Phnom Penh, the delta",
)
r(
    "niger-river",
    "Niger River",
    [
        (-10.7, 9.1),
        (-9.0, 11.5),
        (-7.99, 12.64),
        (-4.2, 14.5),
        (-3.0, 16.77),
        (-0.05, 16.27),
        (2.11, 13.51),
        (3.4, 11.9),
        (4.5, 10.0),
        (6.75, 7.8),
        (6.7, 6.15),
        (6.1, 4.3),
    ],
    ["Niger River", "River Niger", "the Niger River", "Fleuve Niger"],
    "the Guinea highlands, Bamako, Mopti, Timbuktu, Gao, Niamey, Lokoja, Onitsha, the delta",
    notes="No bare 'Niger' alias: that is the country.",
)
r(
    "congo-river",
    "Congo River",
    [
        (28.0, -9.0),
        (26.0, -5.0),
        (25.2, 0.5),
        (22.0, 2.0),
        (18.3, 1.5),
        (17.0, -1.0),
        (15.3, -4.3),
        (13.5, -5.8),
        (12.3, -6.1),
    ],
    ["Congo River", "River Congo", "Zaire River", "Fleuve Congo"],
    "the Lualaba, Kisangani, Mbandaka, Kinshasa–Brazzaville, Matadi, the Atlantic",
    notes="No bare 'Congo' alias: those are the countries.",
)
r(
    "zambezi",
    "Zambezi",
    [
        (24.0, -11.4),
        (22.7, -14.3),
        (23.3, -17.5),
        (25.86, -17.93),
        (27.5, -16.8),
        (28.77, -16.52),
        (30.5, -15.6),
        (32.9, -15.6),
        (35.5, -17.5),
        (36.3, -18.8),
    ],
    ["Zambezi", "Zambezi River", "Zambesi", "River Zambezi"],
    "the Mwinilunga source, the Barotse floodplain, Victoria Falls, Lake Kariba, Cahora "
    "Bassa, the Indian Ocean",
)
r(
    "limpopo-river",
    "Limpopo River",
    [(27.5, -24.0), (28.2, -22.6), (29.99, -22.34), (31.3, -22.4), (32.5, -23.8), (33.6, -25.2)],
    ["Limpopo River", "River Limpopo", "the Limpopo River"],
    "the Marico–Crocodile confluence, the Botswana–South Africa border, Beitbridge, Mozambique",
    notes="No bare 'Limpopo' alias: that is also the South African province.",
)
r(
    "cauvery",
    "Kaveri",
    [
        (75.55, 12.38),
        (76.0, 12.45),
        (76.6, 12.42),
        (77.2, 12.25),
        (77.75, 11.8),
        (78.1, 11.15),
        (78.7, 10.85),
        (79.85, 11.15),
    ],
    ["Kaveri", "Cauvery", "Kaveri River", "Cauvery River", "River Cauvery", "ಕಾವೇರಿ", "காவிரி"],
    "Talakaveri, Kushalnagar, Srirangapatna, the Mettur dam, Erode, Tiruchirappalli, the Bay "
    "of Bengal",
)
r(
    "thames",
    "Thames",
    [
        (-2.03, 51.69),
        (-1.26, 51.75),
        (-0.97, 51.46),
        (-0.6, 51.49),
        (-0.3, 51.45),
        (-0.12, 51.5),
        (0.3, 51.47),
        (0.75, 51.5),
    ],
    ["River Thames", "Thames", "Thames River", "the Thames"],
    "Kemble, Oxford, Reading, Windsor, Richmond, London, the Thames Estuary",
    country="GB",
)
r(
    "seine",
    "Seine",
    [
        (4.72, 47.49),
        (4.07, 48.3),
        (3.0, 48.42),
        (2.66, 48.53),
        (2.35, 48.85),
        (1.9, 49.0),
        (1.1, 49.38),
        (0.1, 49.48),
    ],
    ["Seine", "River Seine", "the Seine"],
    "Source-Seine, Troyes, Melun, Paris, Rouen, Le Havre",
    country="FR",
)
r(
    "dniester",
    "Dniester",
    [
        (23.2, 49.3),
        (24.7, 49.0),
        (26.5, 48.5),
        (27.8, 48.4),
        (28.9, 47.8),
        (29.2, 47.25),
        (29.47, 46.83),
        (30.3, 46.2),
    ],
    ["Dniester", "Dnister", "Nistru", "Dniester River", "Дністер", "Днестр"],
    "the Carpathians, Halych, Khotyn, Soroca, Dubăsari, Bender, the Black Sea",
)
r(
    "elbe",
    "Elbe",
    [
        (15.55, 50.78),
        (15.0, 50.2),
        (14.2, 50.6),
        (13.74, 51.05),
        (12.24, 51.87),
        (11.64, 52.13),
        (11.9, 53.0),
        (9.99, 53.55),
        (8.8, 53.9),
    ],
    ["Elbe", "Elbe River", "River Elbe", "Labe"],
    "the Krkonoše, Ústí nad Labem, Dresden, Dessau, Magdeburg, Hamburg, Cuxhaven",
)
r(
    "litani",
    "Litani",
    [(36.2, 34.0), (35.9, 33.7), (35.6, 33.4), (35.5, 33.3), (35.24, 33.34)],
    ["Litani", "Litani River", "نهر الليطاني"],
    "the Bekaa valley, the Qaraoun reservoir, Beaufort, Qasmiyeh",
    country="LB",
)
r(
    "orontes",
    "Orontes",
    [(36.35, 34.4), (36.72, 34.73), (36.75, 35.13), (36.4, 35.8), (36.2, 36.2), (35.95, 36.05)],
    ["Orontes", "Orontes River", "Asi River", "نهر العاصي", "Asi Nehri"],
    "Hermel, Homs, Hama, the Ghab plain, Antakya",
)
r(
    "amu-darya",
    "Amu Darya",
    [
        (73.5, 37.0),
        (68.0, 37.2),
        (67.2, 37.25),
        (65.0, 38.3),
        (63.5, 39.1),
        (61.4, 41.0),
        (60.0, 42.5),
        (59.5, 43.8),
    ],
    ["Amu Darya", "Oxus", "Amudarya", "Amu River", "Амударья"],
    "the Pamir, the Afghan border at Termez, Türkmenabat, Urgench, Nukus, the Aral Sea",
)

# --- lakes ----------------------------------------------------------------------------------
hand_lakes = [
    ("lake-superior", "Lake Superior", -87.5, 47.7, ["Lake Superior"]),
    ("lake-michigan", "Lake Michigan", -87.0, 44.0, ["Lake Michigan"]),
    ("lake-huron", "Lake Huron", -82.4, 44.8, ["Lake Huron"]),
    ("lake-erie", "Lake Erie", -81.2, 42.2, ["Lake Erie"]),
    ("lake-ontario", "Lake Ontario", -77.9, 43.7, ["Lake Ontario"]),
    (
        "lake-victoria",
        "Lake Victoria",
        33.0,
        -1.0,
        ["Lake Victoria", "Victoria Nyanza", "Nalubaale"],
    ),
    (
        "lake-baikal",
        "Lake Baikal",
        108.0,
        53.5,
        ["Lake Baikal", "Baikal", "Озеро Байкал", "Байкал"],
    ),
    ("dead-sea", "Dead Sea", 35.50, 31.50, ["Dead Sea", "البحر الميت", "ים המלח"]),
    (
        "sea-of-galilee",
        "Sea of Galilee",
        35.59,
        32.82,
        ["Sea of Galilee", "Lake Tiberias", "Kinneret", "Lake Kinneret", "ים כנרת", "بحيرة طبريا"],
    ),
    ("lake-tahoe", "Lake Tahoe", -120.04, 39.09, ["Lake Tahoe"]),
    ("great-salt-lake", "Great Salt Lake", -112.5, 41.1, ["Great Salt Lake"]),
    ("lake-okeechobee", "Lake Okeechobee", -80.83, 26.95, ["Lake Okeechobee"]),
    ("lake-lanier", "Lake Lanier", -83.95, 34.2, ["Lake Lanier", "Lake Sidney Lanier"]),
    ("lake-titicaca", "Lake Titicaca", -69.4, -15.9, ["Lake Titicaca", "Titicaca"]),
    ("lake-chad", "Lake Chad", 14.1, 13.1, ["Lake Chad", "Lac Tchad"]),
    ("lake-tanganyika", "Lake Tanganyika", 29.6, -6.1, ["Lake Tanganyika"]),
    ("lake-malawi", "Lake Malawi", 34.6, -12.0, ["Lake Malawi", "Lake Nyasa", "Lake Niassa"]),
    ("aral-sea", "Aral Sea", 59.5, 45.0, ["Aral Sea", "Аральское море"]),
    (
        "lake-geneva",
        "Lake Geneva",
        6.55,
        46.45,
        ["Lake Geneva", "Lac Léman", "Lac Leman", "Genfersee"],
    ),
]
for fid, name, lon, lat, aliases in hand_lakes:
    feat(
        fid,
        name,
        "lake",
        pt(lon, lat),
        aliases,
        [f"approximate centre of {name} from published maps"],
    )
feat(
    "great-lakes",
    "Great Lakes",
    "lake",
    finish(
        poly(
            [
                (-92.3, 46.6),
                (-89.5, 48.2),
                (-86.0, 48.9),
                (-84.5, 47.5),
                (-81.5, 46.3),
                (-79.6, 45.2),
                (-79.5, 44.5),
                (-76.2, 44.3),
                (-76.0, 43.4),
                (-78.9, 42.9),
                (-80.5, 42.0),
                (-83.4, 41.4),
                (-82.3, 42.9),
                (-84.0, 43.5),
                (-85.5, 42.3),
                (-86.8, 41.5),
                (-87.9, 41.8),
                (-88.0, 44.5),
                (-89.0, 46.5),
            ]
        ),
        tol=0.01,
    ),
    ["Great Lakes", "the Great Lakes", "Great Lakes region", "Grands Lacs"],
    ["approximate outline of the five lakes and their shores from published maps"],
    notes="Each lake is also a point feature (lake-superior, lake-michigan, ...).",
)

write(
    sys.argv[1],
    "world-waters",
    "Oceans, seas, straits, canals, rivers and lakes that news names and GeoNames cities lack; "
    "see each feature's sources.",
)
