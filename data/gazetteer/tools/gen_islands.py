"""Generate islands.geojson: major islands (Natural Earth parts) and contested island groups."""

import sys

from shapely.geometry import Point
from shapely.ops import unary_union
from worldlib import NE, C, cnames, feat, finish, pt, write


def part(code, lon, lat):
    g = C[code]
    for p in getattr(g, "geoms", [g]):
        if p.contains(Point(lon, lat)):
            return p
    raise SystemExit(f"no part of {code} contains {lon},{lat}")


def island(id, name, parts, aliases, country=None, notes=None, **kw):
    g = unary_union([part(c, lon, lat) for c, lon, lat in parts])
    codes = list(dict.fromkeys(c for c, _, _ in parts))
    feat(
        id,
        name,
        "island",
        finish(g, min_part=0.0005),
        aliases,
        [f"{NE}: the island's polygon within {cnames(codes)}"],
        country=country,
        precision="exact",
        notes=notes,
        **kw,
    )


def group(id, name, points, aliases, what, **kw):
    feat(
        id,
        name,
        "island-group",
        {"type": "MultiPoint", "coordinates": [list(p) for p in points]},
        aliases,
        [f"approximate positions of {what} from published maps"],
        **kw,
    )


island(
    "great-britain",
    "Great Britain",
    [("GBR", -1.5, 52.5)],
    ["Great Britain", "Britain (island)", "island of Great Britain"],
    country="GB",
    notes="The island; the United Kingdom itself is in the general layer.",
)
island(
    "ireland-island",
    "Ireland (island)",
    [("IRL", -8.0, 53.0), ("GBR", -6.5, 54.6)],
    ["island of Ireland", "Ireland (island)", "Éire (island)"],
    notes="The whole island, Republic of Ireland and Northern Ireland; the bare name stays "
    "with the state.",
)
island("sicily", "Sicily", [("ITA", 14.0, 37.5)], ["Sicily", "Sicilia", "Sicile"], country="IT")
island(
    "sardinia",
    "Sardinia",
    [("ITA", 9.0, 40.0)],
    ["Sardinia", "Sardegna", "Sardaigne"],
    country="IT",
)
island("corsica", "Corsica", [("FRA", 9.1, 42.1)], ["Corsica", "Corse"], country="FR")
island("crete", "Crete", [("GRC", 24.8, 35.25)], ["Crete", "Kriti", "Κρήτη"], country="GR")
island("mallorca", "Mallorca", [("ESP", 2.95, 39.6)], ["Mallorca", "Majorca"], country="ES")
island("sumatra", "Sumatra", [("IDN", 101.5, 0.0)], ["Sumatra", "Sumatera"], country="ID")
island(
    "java",
    "Java",
    [("IDN", 110.0, -7.3)],
    ["Java (island)", "Jawa", "island of Java"],
    country="ID",
    notes="No bare 'Java' alias: the programming language.",
)
island(
    "borneo",
    "Borneo",
    [("IDN", 114.0, 0.0), ("MYS", 114.5, 3.0), ("BRN", 114.7, 4.5)],
    ["Borneo", "Kalimantan (island)", "Pulau Borneo"],
)
island("sulawesi", "Sulawesi", [("IDN", 120.3, -2.0)], ["Sulawesi", "Celebes"], country="ID")
island("bali", "Bali", [("IDN", 115.1, -8.4)], ["Bali", "Pulau Bali"], country="ID")
island(
    "new-guinea",
    "New Guinea",
    [("IDN", 138.0, -4.0), ("PNG", 144.0, -6.0)],
    ["New Guinea", "Papua (island)"],
)
island("timor", "Timor", [("IDN", 124.0, -9.8), ("TLS", 125.8, -8.8)], ["Timor", "Timor island"])
island("luzon", "Luzon", [("PHL", 121.0, 16.0)], ["Luzon"], country="PH")
island("mindanao", "Mindanao", [("PHL", 125.0, 7.5)], ["Mindanao"], country="PH")
island("honshu", "Honshu", [("JPN", 138.5, 36.0)], ["Honshu", "Honshū", "本州"], country="JP")
island(
    "hokkaido",
    "Hokkaido",
    [("JPN", 143.0, 43.5)],
    ["Hokkaido (island)", "Ezo"],
    country="JP",
    notes="The prefecture of the same name is in the general layer.",
)
island("kyushu", "Kyushu", [("JPN", 131.0, 32.5)], ["Kyushu", "Kyūshū", "九州"], country="JP")
island("shikoku", "Shikoku", [("JPN", 133.5, 33.7)], ["Shikoku", "四国"], country="JP")
island(
    "hainan-island",
    "Hainan Island",
    [("CHN", 109.8, 19.2)],
    ["Hainan Island", "Hainan Dao"],
    country="CN",
)
island(
    "sakhalin",
    "Sakhalin",
    [("RUS", 142.8, 50.0)],
    ["Sakhalin", "Сахалин", "Karafuto"],
    country="RU",
)
island(
    "tasmania-island",
    "Tasmania (island)",
    [("AUS", 146.5, -42.0)],
    ["Tasmania (island)"],
    country="AU",
)
island(
    "north-island",
    "North Island",
    [("NZL", 175.5, -39.0)],
    ["North Island", "Te Ika-a-Māui"],
    country="NZ",
)
island(
    "south-island",
    "South Island",
    [("NZL", 170.5, -44.0)],
    ["South Island", "Te Waipounamu"],
    country="NZ",
)
island(
    "vancouver-island",
    "Vancouver Island",
    [("CAN", -125.5, 49.6)],
    ["Vancouver Island"],
    country="CA",
)
island(
    "newfoundland",
    "Newfoundland",
    [("CAN", -56.0, 48.5)],
    ["Newfoundland", "island of Newfoundland"],
    country="CA",
)
island(
    "long-island",
    "Long Island",
    [("USA", -73.0, 40.8)],
    ["Long Island", "Long Island, New York"],
    country="US",
)
island("oahu", "Oahu", [("USA", -158.0, 21.45)], ["Oahu", "O'ahu", "Oʻahu"], country="US")
island("maui", "Maui", [("USA", -156.3, 20.8)], ["Maui"], country="US")
island(
    "big-island",
    "Hawaiʻi Island",
    [("USA", -155.5, 19.6)],
    ["Big Island", "Hawaii Island", "Island of Hawaii", "Hawaiʻi Island"],
    country="US",
)
island(
    "hispaniola",
    "Hispaniola",
    [("DOM", -70.5, 18.8), ("HTI", -72.5, 19.0)],
    ["Hispaniola", "La Española"],
)
island(
    "tierra-del-fuego",
    "Tierra del Fuego",
    [("ARG", -67.5, -54.3), ("CHL", -69.0, -54.0)],
    ["Tierra del Fuego", "Isla Grande de Tierra del Fuego"],
)
island(
    "zanzibar",
    "Zanzibar",
    [("TZA", 39.3, -6.1)],
    ["Zanzibar", "Unguja", "Zanzibar Island"],
    country="TZ",
)
island("socotra", "Socotra", [("YEM", 53.9, 12.5)], ["Socotra", "Soqotra", "سقطرى"], country="YE")
island(
    "jeju",
    "Jeju Island",
    [("KOR", 126.55, 33.38)],
    ["Jeju Island", "Jeju-do", "Cheju", "제주도"],
    country="KR",
)
island(
    "spitsbergen",
    "Spitsbergen",
    [("NOR", 16.0, 78.5)],
    ["Spitsbergen", "Svalbard (main island)"],
    country="NO",
)

group(
    "spratly-islands",
    "Spratly Islands",
    [
        (114.33, 10.38),
        (115.54, 9.91),
        (114.29, 11.05),
        (114.07, 9.05),
        (115.80, 8.86),
        (112.89, 9.55),
        (114.48, 10.83),
    ],
    [
        "Spratly Islands",
        "Spratlys",
        "the Spratlys",
        "Nansha Islands",
        "Kalayaan Islands",
        "Quần đảo Trường Sa",
        "南沙群岛",
    ],
    "Itu Aba, Mischief Reef, Thitu, Fiery Cross area, Second Thomas Shoal, Spratly Island and "
    "Subi Reef",
    status="disputed",
    notes="Claimed in whole or part by China, Taiwan, Vietnam, the Philippines, Malaysia and "
    "Brunei.",
)
group(
    "paracel-islands",
    "Paracel Islands",
    [(112.34, 16.83), (111.61, 16.53), (112.73, 16.67), (111.75, 16.45)],
    ["Paracel Islands", "Paracels", "Xisha Islands", "Hoang Sa", "Quần đảo Hoàng Sa", "西沙群岛"],
    "Woody Island, the Crescent group and Pattle Island",
    status="disputed",
    notes="Held by China since 1974; claimed by Vietnam and Taiwan.",
)
group(
    "scarborough-shoal",
    "Scarborough Shoal",
    [(117.76, 15.15)],
    ["Scarborough Shoal", "Huangyan Island", "Bajo de Masinloc", "Panatag Shoal", "黄岩岛"],
    "the shoal",
    status="disputed",
    notes="Claimed by China, Taiwan and the Philippines.",
)
group(
    "senkaku-islands",
    "Senkaku Islands",
    [(123.47, 25.75), (123.55, 25.79), (124.56, 25.92)],
    ["Senkaku Islands", "Diaoyu Islands", "Diaoyutai Islands", "Senkakus", "尖閣諸島", "钓鱼岛"],
    "Uotsuri-jima, Kuba-jima and Taisho-jima",
    status="disputed",
    notes="Administered by Japan; claimed by China and Taiwan.",
)
group(
    "dokdo",
    "Liancourt Rocks",
    [(131.87, 37.24)],
    ["Liancourt Rocks", "Dokdo", "Takeshima", "独島", "竹島"],
    "the rocks",
    status="disputed",
    notes="Administered by South Korea; claimed by Japan.",
)
group(
    "kuril-islands",
    "Kuril Islands",
    [
        (148.0, 45.0),
        (146.8, 43.9),
        (145.7, 43.6),
        (150.5, 46.2),
        (152.0, 47.5),
        (154.0, 48.8),
        (155.6, 50.3),
        (156.1, 50.7),
    ],
    [
        "Kuril Islands",
        "Kurile Islands",
        "Kurils",
        "Northern Territories",
        "Chishima Islands",
        "Курильские острова",
        "北方領土",
    ],
    "Iturup, Kunashir, Shikotan, Urup, Simushir, Shiashkotan, Paramushir and Shumshu",
    status="disputed",
    notes="Administered by Russia; the southern four ('Northern Territories') are claimed by "
    "Japan.",
)
group(
    "falkland-islands",
    "Falkland Islands",
    [(-59.5, -51.75), (-58.8, -51.7)],
    ["Falkland Islands", "Falklands", "Islas Malvinas", "Malvinas", "the Falklands"],
    "West and East Falkland",
    status="disputed",
    notes="British overseas territory; claimed by Argentina.",
)
group(
    "abu-musa-and-tunbs",
    "Abu Musa and the Tunbs",
    [(55.03, 25.87), (55.30, 26.26), (55.14, 26.23)],
    ["Abu Musa", "Greater Tunb", "Lesser Tunb", "Tunb Islands", "the Tunbs"],
    "Abu Musa, Greater Tunb and Lesser Tunb",
    status="disputed",
    notes="Administered by Iran; claimed by the United Arab Emirates.",
)
group(
    "chagos-archipelago",
    "Chagos Archipelago",
    [(72.42, -7.31), (71.8, -5.35), (72.2, -6.2)],
    ["Chagos Archipelago", "Chagos Islands", "British Indian Ocean Territory"],
    "Diego Garcia, Peros Banhos and the Great Chagos Bank",
    status="disputed",
    notes="British Indian Ocean Territory; claimed by Mauritius (2024 UK–Mauritius agreement).",
)

feat(
    "diego-garcia",
    "Diego Garcia",
    "island",
    pt(72.42, -7.31),
    ["Diego Garcia"],
    ["approximate position of the atoll from published maps"],
    status="disputed",
    notes="Largest island of the Chagos Archipelago; UK–US military base.",
)

write(
    sys.argv[1],
    "islands",
    "Major islands (as named features distinct from their countries) and contested island groups; "
    "see each feature's sources.",
)
