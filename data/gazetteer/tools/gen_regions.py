"""Generate world-regions.geojson: continents, regions and contested areas."""

import sys

from shapely.ops import unary_union
from worldlib import NAMES, NE, C, by, cnames, feat, finish, poly, union, write


def u(id, name, kind, codes, aliases, clip=None, notes=None, note_src=None, **kw):
    g = union(codes)
    src = f"{NE}: union of {cnames(codes)}"
    if clip is not None:
        g = g.intersection(clip)
        src += ", " + (note_src or "clipped to the region's approximate limits")
    feat(id, name, kind, finish(g), aliases, [src], notes=notes, **kw)


def cut(id, name, kind, code, coords, aliases, what, country=None, **kw):
    g = C[code].intersection(poly(coords))
    src = [f"{NE}: {NAMES[code]}, clipped by an approximate {what} traced from published maps"]
    feat(id, name, kind, finish(g), aliases, src, country=country, **kw)


def hand(id, name, kind, coords, aliases, what, country=None, clip_codes=None, **kw):
    g = poly(coords)
    src = [f"approximate outline of {what} traced from published maps"]
    if clip_codes:
        g = g.intersection(union(clip_codes))
        src.append(f"{NE}: coast and borders of {cnames(clip_codes)}")
    feat(id, name, kind, finish(g), aliases, src, country=country, **kw)


EUROPE_BOX = poly(
    [(-32, 34), (60, 34), (59.5, 50.5), (60, 60), (59, 65), (66, 69), (66, 82), (-32, 82)]
)
URALS_EAST = poly(
    [(60, 34), (180, 34), (180, 82), (66, 82), (66, 69), (59, 65), (60, 60), (59.5, 50.5)]
)
europe_codes = [c for c in by("CONTINENT", "Europe")]
africa_codes = by("CONTINENT", "Africa")
asia_codes = [c for c in by("CONTINENT", "Asia") if c != "IOA"]
na_codes = by("CONTINENT", "North America")
sa_codes = by("CONTINENT", "South America")
oc_codes = by("CONTINENT", "Oceania")

# --- continents --------------------------------------------------------------------
feat(
    "europe",
    "Europe",
    "continent",
    finish(union(europe_codes).intersection(EUROPE_BOX)),
    ["Europe", "European continent", "continental Europe", "Европа"],
    [
        f"{NE}: union of the countries Natural Earth assigns to Europe, cut at the Urals (~60°E) "
        "and without overseas territories"
    ],
    notes="Russia west of the Urals only.",
)
feat(
    "africa",
    "Africa",
    "continent",
    finish(union(africa_codes)),
    ["Africa", "African continent", "Afrique", "أفريقيا"],
    [f"{NE}: union of the countries Natural Earth assigns to Africa"],
)
feat(
    "asia",
    "Asia",
    "continent",
    finish(unary_union([union(asia_codes), C["RUS"].intersection(URALS_EAST)])),
    ["Asia", "Asian continent", "Азия"],
    [f"{NE}: union of the countries Natural Earth assigns to Asia, plus Russia east of the Urals"],
)
feat(
    "north-america",
    "North America",
    "continent",
    finish(union(na_codes)),
    ["North America", "North American continent"],
    [f"{NE}: union of the countries Natural Earth assigns to North America"],
    notes="Includes Central America, the Caribbean and Greenland.",
)
feat(
    "south-america",
    "South America",
    "continent",
    finish(union(sa_codes)),
    ["South America", "South American continent", "Sudamérica", "América del Sur"],
    [f"{NE}: union of the countries Natural Earth assigns to South America"],
)
feat(
    "americas",
    "Americas",
    "continent",
    finish(union(na_codes + sa_codes)),
    ["Americas", "the Americas", "America (continent)", "Western Hemisphere"],
    [f"{NE}: union of North and South America"],
)
feat(
    "oceania",
    "Oceania",
    "continent",
    finish(union(oc_codes)),
    ["Oceania", "Australasia", "Australia and Oceania"],
    [f"{NE}: union of the countries Natural Earth assigns to Oceania"],
)
feat(
    "antarctica",
    "Antarctica",
    "continent",
    finish(C["ATA"]),
    ["Antarctica", "Antarctic", "the Antarctic", "Antarctic continent", "Antártida"],
    [f"{NE}: Antarctica"],
)
feat(
    "arctic",
    "Arctic",
    "region",
    finish(poly([(-180, 66.56), (180, 66.56), (180, 90), (-180, 90)]), tol=0.01),
    ["Arctic", "the Arctic", "Arctic region", "Arctic Circle", "High North"],
    ["Arctic Circle latitude 66.56°N (astronomical fact)"],
    notes="Everything north of the Arctic Circle.",
)

# --- world regions from country unions -------------------------------------------------
ME = [
    "BHR",
    "CYP",
    "EGY",
    "IRN",
    "IRQ",
    "ISR",
    "JOR",
    "KWT",
    "LBN",
    "OMN",
    "PSX",
    "QAT",
    "SAU",
    "SYR",
    "TUR",
    "ARE",
    "YEM",
]
u(
    "middle-east",
    "Middle East",
    "region",
    ME,
    [
        "Middle East",
        "Mideast",
        "Mid-East",
        "the Middle East",
        "Middle Eastern region",
        "Moyen-Orient",
        "الشرق الأوسط",
    ],
)
NA = ["DZA", "EGY", "LBY", "MAR", "SDN", "TUN", "SAH"]
u(
    "mena",
    "Middle East and North Africa",
    "region",
    sorted(set(ME + NA)),
    ["MENA", "Middle East and North Africa", "MENA region"],
)
u(
    "near-east",
    "Near East",
    "region",
    ["TUR", "CYP", "SYR", "LBN", "ISR", "PSX", "JOR", "IRQ", "EGY"],
    ["Near East", "the Near East"],
)
u(
    "levant",
    "Levant",
    "region",
    ["SYR", "LBN", "ISR", "PSX", "JOR"],
    ["Levant", "the Levant", "Eastern Mediterranean (region)", "Bilad al-Sham"],
)
u(
    "arabian-peninsula",
    "Arabian Peninsula",
    "peninsula",
    ["SAU", "YEM", "OMN", "ARE", "QAT", "BHR", "KWT"],
    ["Arabian Peninsula", "Arabia", "Arabian peninsula", "شبه الجزيرة العربية"],
)
u(
    "gulf-states",
    "Gulf states",
    "region",
    ["SAU", "KWT", "BHR", "QAT", "ARE", "OMN"],
    [
        "Gulf states",
        "Gulf States",
        "Gulf Arab states",
        "Arab Gulf states",
        "Gulf monarchies",
        "GCC countries",
        "GCC states",
        "Persian Gulf states",
    ],
)
u(
    "maghreb",
    "Maghreb",
    "region",
    ["MAR", "DZA", "TUN", "LBY", "MRT", "SAH"],
    ["Maghreb", "Maghrib", "the Maghreb", "المغرب العربي"],
)
u(
    "north-africa",
    "North Africa",
    "region",
    NA,
    ["North Africa", "Northern Africa", "Afrique du Nord"],
)
u(
    "west-africa",
    "West Africa",
    "region",
    by("SUBREGION", "Western Africa"),
    ["West Africa", "Western Africa", "Afrique de l'Ouest"],
)
u(
    "east-africa",
    "East Africa",
    "region",
    ["KEN", "TZA", "UGA", "RWA", "BDI", "SDS", "ETH", "SOM", "ERI", "DJI"],
    ["East Africa", "Eastern Africa", "Afrique de l'Est"],
)
u(
    "horn-of-africa",
    "Horn of Africa",
    "peninsula",
    ["ETH", "ERI", "DJI", "SOM"],
    ["Horn of Africa", "Somali Peninsula", "Corne de l'Afrique"],
)
u(
    "central-africa",
    "Central Africa",
    "region",
    ["CAF", "CMR", "TCD", "COG", "COD", "GAB", "GNQ"],
    ["Central Africa", "Middle Africa", "Afrique centrale"],
)
u(
    "southern-africa",
    "Southern Africa",
    "region",
    ["ZAF", "NAM", "BWA", "ZWE", "MOZ", "LSO", "SWZ", "ZMB", "MWI", "AGO"],
    ["Southern Africa", "southern Africa"],
)
ssa = [c for c in africa_codes if c not in ("MAR", "DZA", "TUN", "LBY", "EGY", "SAH", "BRT")]
u(
    "sub-saharan-africa",
    "Sub-Saharan Africa",
    "region",
    ssa,
    [
        "Sub-Saharan Africa",
        "sub-Saharan Africa",
        "Subsaharan Africa",
        "Sub Saharan Africa",
        "Afrique subsaharienne",
    ],
)
u(
    "sahel",
    "Sahel",
    "region",
    ["SEN", "MRT", "MLI", "BFA", "NER", "NGA", "TCD", "SDN", "ERI", "GMB", "CMR"],
    ["Sahel", "the Sahel", "Sahel region", "Sahel belt"],
    clip=poly([(-17.6, 12.0), (39.5, 12.0), (39.5, 18.5), (-17.6, 18.5)]),
    note_src="clipped to the semi-arid belt between about 12°N and 18.5°N",
)
u(
    "east-asia",
    "East Asia",
    "region",
    by("SUBREGION", "Eastern Asia"),
    ["East Asia", "Eastern Asia", "Northeast Asia", "North-East Asia"],
)
u(
    "southeast-asia",
    "Southeast Asia",
    "region",
    ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "TLS", "VNM"],
    [
        "Southeast Asia",
        "South-East Asia",
        "South East Asia",
        "SE Asia",
        "Southeastern Asia",
        "ASEAN region",
    ],
)
u(
    "south-asia",
    "South Asia",
    "region",
    ["AFG", "BGD", "BTN", "IND", "LKA", "NPL", "PAK", "MDV"],
    ["South Asia", "Southern Asia", "Indian subcontinent", "the subcontinent"],
)
u(
    "central-asia",
    "Central Asia",
    "region",
    by("SUBREGION", "Central Asia"),
    ["Central Asia", "Middle Asia", "Центральная Азия"],
)
u(
    "korean-peninsula",
    "Korean Peninsula",
    "peninsula",
    ["PRK", "KOR"],
    ["Korean Peninsula", "Korean peninsula", "Korea", "the Koreas", "Koreas", "한반도"],
    notes="The bare name 'Korea' is kept here, covering both states, rather than guessing one.",
)
u(
    "indochina",
    "Indochina",
    "peninsula",
    ["VNM", "LAO", "KHM", "THA", "MMR"],
    ["Indochina", "Indo-China", "Indochinese Peninsula", "Mainland Southeast Asia"],
)
u(
    "south-caucasus",
    "South Caucasus",
    "region",
    ["ARM", "AZE", "GEO"],
    ["South Caucasus", "Transcaucasia", "Southern Caucasus", "Transcaucasus", "Закавказье"],
)
NCAUC = poly([(36.5, 41.0), (49.5, 41.0), (49.5, 45.3), (36.5, 45.3)])
feat(
    "caucasus",
    "Caucasus",
    "region",
    finish(unary_union([union(["ARM", "AZE", "GEO"]), C["RUS"].intersection(NCAUC)])),
    ["Caucasus", "the Caucasus", "Caucasus region", "Caucasia", "Кавказ"],
    [f"{NE}: union of Armenia, Azerbaijan, Georgia and Russia south of 45.3°N"],
)
feat(
    "north-caucasus",
    "North Caucasus",
    "region",
    finish(C["RUS"].intersection(NCAUC)),
    ["North Caucasus", "Northern Caucasus", "Ciscaucasia", "Северный Кавказ"],
    [f"{NE}: Russia south of 45.3°N between the Black and Caspian seas"],
    country="RU",
)
u(
    "balkans",
    "Balkans",
    "peninsula",
    ["ALB", "BIH", "BGR", "HRV", "KOS", "MNE", "MKD", "SRB", "GRC", "SVN"],
    [
        "Balkans",
        "the Balkans",
        "Balkan Peninsula",
        "Balkan peninsula",
        "Balkan region",
        "Southeast Europe",
        "Southeastern Europe",
    ],
)
u(
    "western-balkans",
    "Western Balkans",
    "region",
    ["ALB", "BIH", "KOS", "MNE", "MKD", "SRB"],
    ["Western Balkans", "West Balkans"],
)
u(
    "eastern-europe",
    "Eastern Europe",
    "region",
    ["BGR", "BLR", "CZE", "HUN", "MDA", "POL", "ROU", "SVK", "UKR", "EST", "LVA", "LTU", "RUS"],
    ["Eastern Europe", "East Europe", "Osteuropa", "Восточная Европа"],
    clip=EUROPE_BOX,
    note_src="Russia west of the Urals only",
)
u(
    "central-europe",
    "Central Europe",
    "region",
    ["AUT", "CZE", "DEU", "HUN", "LIE", "POL", "SVK", "SVN", "CHE"],
    ["Central Europe", "Mitteleuropa", "Mitteleuropa"],
)
u(
    "western-europe",
    "Western Europe",
    "region",
    [
        "AUT",
        "BEL",
        "FRA",
        "DEU",
        "LIE",
        "LUX",
        "MCO",
        "NLD",
        "CHE",
        "GBR",
        "IRL",
        "ESP",
        "PRT",
        "AND",
        "ITA",
    ],
    ["Western Europe", "West Europe", "Westeuropa"],
    clip=EUROPE_BOX,
    note_src="without overseas territories",
)
u(
    "northern-europe",
    "Northern Europe",
    "region",
    ["DNK", "EST", "FIN", "ISL", "IRL", "LVA", "LTU", "NOR", "SWE", "GBR", "FRO", "IMN", "ALD"],
    ["Northern Europe", "North Europe"],
    clip=EUROPE_BOX,
    note_src="without overseas territories",
)
u(
    "southern-europe",
    "Southern Europe",
    "region",
    [
        "ALB",
        "AND",
        "BIH",
        "ESP",
        "GIB",
        "GRC",
        "HRV",
        "ITA",
        "KOS",
        "MKD",
        "MLT",
        "MNE",
        "PRT",
        "SMR",
        "SRB",
        "SVN",
        "VAT",
    ],
    ["Southern Europe", "South Europe"],
    clip=EUROPE_BOX,
    note_src="without the Canary Islands and overseas territories",
)
u(
    "scandinavia",
    "Scandinavia",
    "region",
    ["NOR", "SWE", "DNK"],
    ["Scandinavia", "Scandinavian countries", "Skandinavien"],
    clip=EUROPE_BOX,
    note_src="without Greenland",
)
u(
    "nordic-countries",
    "Nordic countries",
    "region",
    ["NOR", "SWE", "DNK", "FIN", "ISL", "FRO", "ALD"],
    ["Nordic countries", "Nordics", "the Nordics", "Norden", "Nordic region"],
    clip=EUROPE_BOX,
    note_src="without Greenland",
)
u(
    "baltic-states",
    "Baltic states",
    "region",
    ["EST", "LVA", "LTU"],
    [
        "Baltic states",
        "Baltic States",
        "the Baltics",
        "Baltics",
        "Baltic countries",
        "Baltic republics",
    ],
)
u(
    "iberian-peninsula",
    "Iberian Peninsula",
    "peninsula",
    ["ESP", "PRT", "AND", "GIB"],
    ["Iberian Peninsula", "Iberia", "Península Ibérica"],
    clip=poly([(-10, 35.9), (4.5, 35.9), (4.5, 44), (-10, 44)]),
    note_src="without the Canary Islands, the Azores and Madeira",
)
u(
    "british-isles",
    "British Isles",
    "region",
    ["GBR", "IRL", "IMN", "GGY", "JEY"],
    ["British Isles"],
    clip=poly([(-11, 49), (2.5, 49), (2.5, 61), (-11, 61)]),
    note_src="without overseas territories",
)
soviet = [
    "RUS",
    "UKR",
    "BLR",
    "MDA",
    "EST",
    "LVA",
    "LTU",
    "GEO",
    "ARM",
    "AZE",
    "KAZ",
    "KGZ",
    "TJK",
    "TKM",
    "UZB",
]
u(
    "soviet-union",
    "Soviet Union",
    "former-country",
    soviet,
    [
        "Soviet Union",
        "USSR",
        "U.S.S.R.",
        "Union of Soviet Socialist Republics",
        "СССР",
        "Советский Союз",
        "Union soviétique",
    ],
    valid_from="1922-12-30",
    valid_to="1991-12-26",
    status="historical",
    notes="Approximated by the 15 successor states' current borders.",
)
latam = ["MEX", "BLZ", "CRI", "SLV", "GTM", "HND", "NIC", "PAN", "CUB", "DOM", "HTI", "PRI"] + [
    c for c in sa_codes if c not in ("FLK", "GUY", "SUR")
]
u(
    "latin-america",
    "Latin America",
    "region",
    latam,
    ["Latin America", "LatAm", "América Latina", "Latinoamérica", "Amérique latine"],
)
u(
    "central-america",
    "Central America",
    "region",
    ["BLZ", "CRI", "SLV", "GTM", "HND", "NIC", "PAN"],
    ["Central America", "Centroamérica", "América Central"],
)
u(
    "caribbean",
    "Caribbean",
    "region",
    by("SUBREGION", "Caribbean"),
    [
        "Caribbean",
        "the Caribbean",
        "Caribbean region",
        "Caribbean islands",
        "West Indies",
        "Antilles",
    ],
)
u(
    "palestinian-territories",
    "Palestinian territories",
    "region",
    ["PSX"],
    [
        "Palestinian territories",
        "Palestinian Territories",
        "occupied Palestinian territories",
        "Occupied Palestinian Territories",
        "occupied Palestinian territory",
        "Occupied Palestinian Territory",
    ],
    status="disputed",
    notes="West Bank (with East Jerusalem) and the Gaza Strip.",
)

# --- contested and named areas ---------------------------------------------------------------
psx = sorted(C["PSX"].geoms, key=lambda g: g.area)
feat(
    "gaza-strip",
    "Gaza Strip",
    "region",
    finish(psx[0], tol=0.002),
    [
        "Gaza Strip",
        "Gaza",
        "the Gaza Strip",
        "Gaza strip",
        "Strip of Gaza",
        "قطاع غزة",
        "רצועת עזה",
    ],
    [f"{NE}: the Gaza part of Palestine"],
    status="disputed",
    notes="The bare name 'Gaza' is kept here; Gaza City is in the general layer.",
)
feat(
    "west-bank",
    "West Bank",
    "region",
    finish(psx[1], tol=0.003),
    [
        "West Bank",
        "the West Bank",
        "Judea and Samaria",
        "Judaea and Samaria",
        "Cisjordan",
        "Cisjordania",
        "Cisjordanie",
        "الضفة الغربية",
        "יהודה ושומרון",
        "הגדה המערבית",
    ],
    [f"{NE}: the West Bank part of Palestine"],
    status="disputed",
    notes="Palestinian territory occupied by Israel since 1967; 'Judea and Samaria' is the "
    "Israeli administrative name. One feature for every name.",
)
hand(
    "golan-heights",
    "Golan Heights",
    "region",
    [
        (35.62, 32.70),
        (35.75, 32.71),
        (35.86, 32.74),
        (35.88, 32.90),
        (35.85, 33.05),
        (35.82, 33.15),
        (35.87, 33.30),
        (35.82, 33.33),
        (35.70, 33.27),
        (35.64, 33.20),
        (35.62, 33.00),
        (35.64, 32.85),
    ],
    [
        "Golan Heights",
        "Golan",
        "the Golan",
        "the Golan Heights",
        "Syrian Golan",
        "Jawlan",
        "هضبة الجولان",
        "الجولان",
        "רמת הגולן",
    ],
    "the Israeli-held Golan Heights west of the 1974 ceasefire line",
    status="disputed",
    notes="Syrian territory held by Israel since 1967 and annexed in 1981 (not recognised by "
    "most states). Outline approximate.",
)
cut(
    "crimea",
    "Crimea",
    "peninsula",
    "UKR",
    [
        (32.3, 44.3),
        (36.8, 44.3),
        (36.8, 45.55),
        (35.5, 45.55),
        (34.95, 46.10),
        (34.5, 46.02),
        (34.0, 46.05),
        (33.7, 46.20),
        (33.45, 46.15),
        (32.3, 45.7),
    ],
    [
        "Crimea",
        "Crimean Peninsula",
        "Crimean peninsula",
        "the Crimea",
        "Krym",
        "Крым",
        "Qırım",
        "Autonomous Republic of Crimea",
        "Republic of Crimea",
        "Крим",
    ],
    "northern limit of the peninsula at the Perekop isthmus and the Syvash",
    status="disputed",
    notes="Part of Ukraine, occupied and annexed by Russia in 2014 (annexation not recognised by "
    "most states). One feature for every name.",
)
cut(
    "donbas",
    "Donbas",
    "region",
    "UKR",
    [
        (36.95, 46.6),
        (36.8, 47.6),
        (36.6, 48.0),
        (36.9, 48.3),
        (37.2, 48.65),
        (37.4, 49.0),
        (37.9, 49.1),
        (37.95, 49.5),
        (38.2, 50.0),
        (38.3, 50.4),
        (41.0, 50.4),
        (41.0, 46.6),
    ],
    ["Donbas", "Donbass", "the Donbas", "the Donbass", "Donets Basin", "Донбас", "Донбасс"],
    "outline of Donetsk and Luhansk oblasts",
    status="disputed",
    notes="Donetsk and Luhansk oblasts of Ukraine, largely occupied by Russia since 2014/2022.",
)
hand(
    "south-ossetia",
    "South Ossetia",
    "region",
    [
        (43.45, 42.50),
        (43.60, 42.28),
        (43.80, 42.15),
        (43.95, 42.19),
        (44.05, 42.12),
        (44.25, 42.18),
        (44.40, 42.08),
        (44.58, 42.05),
        (44.70, 42.25),
        (44.60, 42.45),
        (44.45, 42.80),
        (43.4, 42.80),
    ],
    [
        "South Ossetia",
        "Tskhinvali Region",
        "Tskhinvali region",
        "Samachablo",
        "Republic of South Ossetia",
        "South Ossetia–Alania",
        "Южная Осетия",
        "სამხრეთ ოსეთი",
        "Хуссар Ирыстон",
    ],
    "the breakaway region around Tskhinvali and Akhalgori",
    clip_codes=["GEO"],
    status="disputed",
    notes="Internationally recognised as part of Georgia; held by a Russian-backed breakaway "
    "government since 1992/2008.",
)
hand(
    "abkhazia",
    "Abkhazia",
    "region",
    [
        (39.9, 42.0),
        (41.57, 42.38),
        (41.75, 42.55),
        (42.0, 42.62),
        (42.15, 42.9),
        (42.2, 43.4),
        (39.9, 43.8),
    ],
    ["Abkhazia", "Abkhaziya", "Republic of Abkhazia", "Apsny", "Абхазия", "აფხაზეთი", "Аԥсны"],
    "the breakaway region west of the Inguri river",
    clip_codes=["GEO"],
    status="disputed",
    notes="Internationally recognised as part of Georgia; held by a Russian-backed breakaway "
    "government since 1993.",
)
cut(
    "transnistria",
    "Transnistria",
    "region",
    "MDA",
    [
        (28.5, 48.25),
        (28.85, 47.95),
        (29.05, 47.6),
        (29.12, 47.3),
        (29.25, 47.1),
        (29.40, 46.85),
        (29.55, 46.70),
        (29.85, 46.50),
        (31.0, 46.4),
        (31.0, 48.6),
        (28.5, 48.6),
    ],
    [
        "Transnistria",
        "Transdniestria",
        "Trans-Dniester",
        "Transdniester",
        "Pridnestrovie",
        "Pridnestrovian Moldavian Republic",
        "Приднестровье",
        "Transnistria region",
        "Stînga Nistrului",
    ],
    "line along the Dniester (with Bender on the right bank)",
    status="disputed",
    notes="Internationally recognised as part of Moldova; breakaway since 1990-92.",
)
hand(
    "kashmir",
    "Kashmir",
    "region",
    [
        (73.6, 32.9),
        (74.5, 32.6),
        (75.3, 32.25),
        (75.9, 32.4),
        (76.5, 32.75),
        (77.8, 32.5),
        (78.8, 32.5),
        (79.5, 32.8),
        (80.3, 35.3),
        (79.5, 35.8),
        (78.0, 35.6),
        (77.0, 35.8),
        (75.9, 36.9),
        (75.4, 37.05),
        (74.5, 37.0),
        (73.0, 36.6),
        (72.5, 36.0),
        (73.0, 35.2),
        (73.4, 34.4),
        (73.4, 33.5),
    ],
    [
        "Kashmir",
        "Kashmir region",
        "Jammu and Kashmir region",
        "the Kashmir region",
        "Cashmere",
        "कश्मीर",
        "کشمیر",
    ],
    "the former princely state of Jammu and Kashmir (Indian-, Pakistani- and "
    "Chinese-administered parts)",
    status="disputed",
    notes="Divided between India (Jammu and Kashmir, Ladakh), Pakistan (Azad Kashmir, "
    "Gilgit-Baltistan) and China (Aksai Chin); all parts are claimed by more than one state.",
)
cut(
    "darfur",
    "Darfur",
    "region",
    "SDN",
    [
        (21.0, 8.0),
        (27.8, 8.0),
        (27.5, 11.5),
        (27.1, 13.5),
        (27.9, 15.8),
        (26.0, 17.5),
        (24.0, 20.1),
        (21.0, 20.1),
    ],
    ["Darfur", "Darfour", "Dar Fur", "دارفور", "Darfur region"],
    "eastern limit of the five Darfur states",
    country="SD",
)
hand(
    "eastern-ghouta",
    "Eastern Ghouta",
    "region",
    [
        (36.33, 33.50),
        (36.40, 33.44),
        (36.52, 33.45),
        (36.56, 33.53),
        (36.50, 33.62),
        (36.40, 33.62),
        (36.34, 33.57),
    ],
    [
        "Eastern Ghouta",
        "East Ghouta",
        "Ghouta",
        "al-Ghouta",
        "the Ghouta",
        "Ghuta",
        "Eastern Ghuta",
        "الغوطة الشرقية",
        "الغوطة",
    ],
    "the farmland and towns east of Damascus around Douma",
    country="SY",
    notes="The bare name 'Ghouta' is kept here: news use it for the besieged eastern part.",
)
cut(
    "sinai",
    "Sinai Peninsula",
    "peninsula",
    "EGY",
    [
        (32.25, 31.35),
        (32.30, 30.6),
        (32.55, 29.95),
        (33.0, 29.0),
        (33.8, 27.6),
        (35.5, 27.5),
        (35.5, 31.8),
        (32.25, 31.8),
    ],
    ["Sinai", "Sinai Peninsula", "the Sinai", "Sinai peninsula", "سيناء", "שבה סיני"],
    "western limit along the Suez Canal and the Gulf of Suez",
    country="EG",
)
hand(
    "kurdistan",
    "Kurdistan",
    "region",
    [
        (36.6, 36.4),
        (37.5, 37.6),
        (38.0, 38.5),
        (38.8, 39.3),
        (40.0, 39.8),
        (41.5, 40.0),
        (43.2, 39.8),
        (44.3, 39.4),
        (45.0, 38.7),
        (46.0, 37.2),
        (47.5, 35.5),
        (47.8, 34.0),
        (47.0, 33.3),
        (45.5, 33.8),
        (44.5, 35.0),
        (43.2, 35.8),
        (42.0, 36.2),
        (40.3, 36.2),
        (38.5, 36.5),
        (37.2, 36.2),
    ],
    [
        "Kurdistan",
        "Greater Kurdistan",
        "Kurdish region",
        "Kurdish regions",
        "کوردستان",
        "Kürdistan",
    ],
    "the Kurdish-majority areas of Turkey, Iraq, Iran and Syria",
    notes="A cultural region without agreed limits; the Kurdistan Region of Iraq is "
    "`iraqi-kurdistan`.",
)
cut(
    "iraqi-kurdistan",
    "Kurdistan Region",
    "region",
    "IRQ",
    [
        (42.3, 37.2),
        (42.8, 36.75),
        (43.5, 36.4),
        (43.6, 35.9),
        (44.3, 35.6),
        (44.9, 35.3),
        (45.2, 34.55),
        (46.3, 34.6),
        (46.3, 37.5),
        (42.3, 37.5),
    ],
    [
        "Kurdistan Region",
        "Iraqi Kurdistan",
        "Kurdistan Region of Iraq",
        "Kurdistan region of Iraq",
        "Kurdistan Regional Government",
        "KRG",
        "هەرێمی کوردستان",
        "إقليم كردستان",
    ],
    "limit of the Duhok, Erbil, Sulaymaniyah and Halabja governorates",
    country="IQ",
    notes="Autonomous region of Iraq; the limits with disputed Kirkuk and Nineveh areas are "
    "approximate.",
)
cut(
    "rojava",
    "North and East Syria",
    "region",
    "SYR",
    [
        (38.0, 36.95),
        (42.4, 37.3),
        (42.4, 34.5),
        (40.9, 34.4),
        (40.2, 35.3),
        (39.0, 35.9),
        (38.2, 36.3),
    ],
    [
        "Rojava",
        "North and East Syria",
        "Northeast Syria",
        "northeast Syria",
        "northeastern Syria",
        "Autonomous Administration of North and East Syria",
        "AANES",
        "Syrian Kurdistan",
        "Western Kurdistan",
    ],
    "area east of the Euphrates held by the Kurdish-led administration",
    status="disputed",
    notes="Area of the Autonomous Administration of North and East Syria east of the Euphrates; "
    "control has shifted often since 2012.",
)
cut(
    "xinjiang",
    "Xinjiang",
    "region",
    "CHN",
    [
        (73, 34),
        (78.5, 34.3),
        (80.2, 35.5),
        (86, 36.0),
        (90.5, 36.2),
        (91.5, 37.5),
        (93.3, 38.6),
        (94.5, 39.3),
        (95.5, 40.6),
        (96.5, 42.5),
        (97, 46),
        (85, 50),
        (73, 50),
    ],
    [
        "Xinjiang",
        "Sinkiang",
        "Xinjiang Uyghur Autonomous Region",
        "Xinjiang Uygur Autonomous Region",
        "East Turkestan",
        "East Turkistan",
        "Uyghur region",
        "新疆",
        "شىنجاڭ",
    ],
    "outline of the Xinjiang Uyghur Autonomous Region",
    country="CN",
    notes="'East Turkestan' is the Uyghur independence movement's name; one feature for every "
    "name.",
)
cut(
    "tibet",
    "Tibet",
    "region",
    "CHN",
    [
        (78, 28),
        (78, 36),
        (80.2, 35.6),
        (86, 36.1),
        (90.5, 36.2),
        (92, 34.8),
        (95, 33.3),
        (97.5, 32.8),
        (98.4, 32.0),
        (98.9, 30.0),
        (98.7, 29.0),
        (98.5, 27.5),
        (98, 26),
        (78, 26),
    ],
    ["Tibet", "Tibet Autonomous Region", "Xizang", "Tibetan Autonomous Region", "西藏", "བོད"],
    "outline of the Tibet Autonomous Region",
    country="CN",
    notes="The Tibet Autonomous Region; historical and ethnic Tibet also covers parts of Qinghai, "
    "Sichuan, Gansu and Yunnan.",
)
feat(
    "siberia",
    "Siberia",
    "region",
    finish(C["RUS"].intersection(poly([(60, 45), (180, 45), (180, 82), (60, 82)]))),
    ["Siberia", "Сибирь", "Sibir"],
    [f"{NE}: Russia east of 60°E (the Urals)"],
    country="RU",
    notes="Common usage: Asian Russia including the Far East.",
)
cut(
    "anatolia",
    "Anatolia",
    "peninsula",
    "TUR",
    [
        (25.5, 35.5),
        (45, 35.5),
        (45, 42.5),
        (29.1, 42.5),
        (29.1, 41.25),
        (29.0, 41.0),
        (27.5, 40.6),
        (26.65, 40.35),
        (26.2, 40.05),
        (25.5, 39.5),
    ],
    ["Anatolia", "Asia Minor", "Anadolu", "Anatolian Peninsula"],
    "line along the Bosphorus, the Sea of Marmara and the Dardanelles",
    country="TR",
)
hand(
    "amazon-rainforest",
    "Amazon rainforest",
    "region",
    [
        (-79.0, -4.0),
        (-77.5, 0.5),
        (-73.0, 2.5),
        (-67.0, 4.5),
        (-60.0, 4.0),
        (-52.0, 3.0),
        (-50.0, 0.0),
        (-47.0, -2.0),
        (-46.0, -5.0),
        (-50.0, -9.0),
        (-56.0, -12.0),
        (-62.0, -13.5),
        (-68.0, -13.5),
        (-72.0, -12.0),
        (-76.0, -9.0),
    ],
    [
        "Amazon rainforest",
        "Amazonia",
        "Amazon basin",
        "Amazon Basin",
        "Amazon jungle",
        "Amazon region",
        "Amazônia",
        "Amazonía",
        "Amazon rain forest",
    ],
    "the Amazon rainforest biome",
    clip_codes=["BRA", "PER", "COL", "VEN", "ECU", "BOL", "GUY", "SUR", "FRA"],
    notes="The river is `amazon-river`. No bare 'Amazon' alias: the word is mostly the company.",
)

write(
    sys.argv[1],
    "world-regions",
    "World regions, continents and contested areas that news names and GeoNames cities lack; "
    "see each feature's sources.",
)
