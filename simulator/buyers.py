"""Who buys in the made-up store and how: buyer locales (names with non-ASCII letters,
cities, streets, taxes), and browsing details (email domains, user agents, referrers,
landing queries, discount codes, line properties, notes, shop time zones)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "City",
    "DISCOUNTS",
    "EMAIL_DOMAINS",
    "LANDING_QUERIES",
    "LOCALES",
    "LOCALE_WEIGHTS",
    "Locale",
    "NOTES",
    "PROPERTIES",
    "REFERRERS",
    "SHOP_OFFSETS",
    "USER_AGENTS",
]


@dataclass(frozen=True, slots=True)
class City:
    name: str
    province: str | None
    province_code: str | None
    zip: str
    latitude: str
    longitude: str


@dataclass(frozen=True, slots=True)
class Locale:
    country: str
    country_code: str
    language: str
    accept_language: str
    phone_prefix: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[City, ...]
    streets: tuple[str, ...]  # each holds "{n}" for the house number
    tax_title: str
    tax_rate: str
    taxes_included: bool
    weight: int


def _cities(*rows: tuple[str, str | None, str | None, str, str, str]) -> tuple[City, ...]:
    return tuple(City(*row) for row in rows)


LOCALES: tuple[Locale, ...] = (
    Locale(
        "United States",
        "US",
        "en",
        "en-US,en;q=0.9",
        "+1",
        ("Emily", "James", "Zoë", "Madison", "Ethan", "Ana María", "Tyler", "Renée"),
        ("Johnson", "Nguyen", "García", "O'Connor", "Smith", "Kowalski", "Brooks"),
        _cities(
            ("Louisville", "Kentucky", "KY", "40202", "38.2527", "-85.7585"),
            ("Austin", "Texas", "TX", "78701", "30.2672", "-97.7431"),
            ("Portland", "Oregon", "OR", "97205", "45.5152", "-122.6784"),
            ("Brooklyn", "New York", "NY", "11201", "40.6782", "-73.9442"),
            ("Chicago", "Illinois", "IL", "60607", "41.8781", "-87.6298"),
            ("Denver", "Colorado", "CO", "80202", "39.7392", "-104.9903"),
        ),
        ("{n} Chestnut Street", "{n} Maple Avenue", "{n} Elm Street", "{n} Park Place"),
        "State Tax",
        "0.06",
        False,
        30,
    ),
    Locale(
        "Canada",
        "CA",
        "fr",
        "fr-CA,fr;q=0.9,en-CA;q=0.8",
        "+1",
        ("Chloé", "Étienne", "Liam", "Olivia", "Maëlle", "Noah"),
        ("Tremblay", "Gagnon", "Côté", "Roy", "Singh", "MacDonald"),
        _cities(
            ("Montréal", "Quebec", "QC", "H2X 1Y4", "45.5019", "-73.5674"),
            ("Toronto", "Ontario", "ON", "M5V 2T6", "43.6532", "-79.3832"),
            ("Vancouver", "British Columbia", "BC", "V6B 1A1", "49.2827", "-123.1207"),
        ),
        ("{n} rue Saint-Denis", "{n} Queen Street West", "{n} Granville Street"),
        "GST",
        "0.05",
        False,
        8,
    ),
    Locale(
        "United Kingdom",
        "GB",
        "en",
        "en-GB,en;q=0.9",
        "+44",
        ("Oliver", "Amelia", "Siobhán", "Harry", "Isla", "Rhys"),
        ("Smith", "Jones", "O'Brien", "Taylor", "Williams", "Ní Bhriain"),
        _cities(
            ("London", None, None, "EC1V 9HX", "51.5074", "-0.1278"),
            ("Manchester", None, None, "M1 1AE", "53.4808", "-2.2426"),
            ("Edinburgh", None, None, "EH1 1YZ", "55.9533", "-3.1883"),
        ),
        ("{n} Old Street", "{n} Deansgate", "{n} Rose Street"),
        "GB VAT",
        "0.20",
        True,
        8,
    ),
    Locale(
        "Germany",
        "DE",
        "de",
        "de-DE,de;q=0.9,en;q=0.8",
        "+49",
        ("Björn", "Jürgen", "Lena", "Jörg", "Mia", "Lukas"),
        ("Müller", "Schäfer", "Weiß", "Becker", "Köhler", "Schmidt"),
        _cities(
            ("Berlin", None, None, "10115", "52.5200", "13.4050"),
            ("München", None, None, "80331", "48.1351", "11.5820"),
            ("Hamburg", None, None, "20095", "53.5511", "9.9937"),
            ("Köln", None, None, "50667", "50.9375", "6.9603"),
        ),
        ("Torstraße {n}", "Schillerstraße {n}", "Am Weißen Hof {n}"),
        "DE MwSt",
        "0.19",
        True,
        8,
    ),
    Locale(
        "France",
        "FR",
        "fr",
        "fr-FR,fr;q=0.9,en;q=0.7",
        "+33",
        ("Chloé", "Zoë", "Hélène", "François", "Léa", "Théo"),
        ("Lefèvre", "Dubois", "Moreau", "Girard", "Lemaître", "Bernard"),
        _cities(
            ("Paris", None, None, "75003", "48.8566", "2.3522"),
            ("Lyon", None, None, "69002", "45.7640", "4.8357"),
            ("Marseille", None, None, "13001", "43.2965", "5.3698"),
            ("Bordeaux", None, None, "33000", "44.8378", "-0.5792"),
        ),
        ("{n} rue de Bretagne", "{n} quai Saint-Antoine", "{n} rue Sainte-Catherine"),
        "FR TVA",
        "0.20",
        True,
        7,
    ),
    Locale(
        "Spain",
        "ES",
        "es",
        "es-ES,es;q=0.9",
        "+34",
        ("José", "Ana María", "Lucía", "Javier", "Inés", "Álvaro"),
        ("García", "Núñez", "Fernández", "López", "Muñoz", "Peña"),
        _cities(
            ("Madrid", "Madrid", "M", "28013", "40.4168", "-3.7038"),
            ("Barcelona", "Barcelona", "B", "08002", "41.3874", "2.1686"),
            ("Sevilla", "Sevilla", "SE", "41004", "37.3891", "-5.9845"),
            ("Valencia", "Valencia", "V", "46002", "39.4699", "-0.3763"),
        ),
        ("Calle de Alcalá {n}", "Carrer de Mallorca {n}", "Avenida de la Constitución {n}"),
        "ES IVA",
        "0.21",
        True,
        6,
    ),
    Locale(
        "Poland",
        "PL",
        "pl",
        "pl-PL,pl;q=0.9,en;q=0.6",
        "+48",
        ("Łukasz", "Zofia", "Małgorzata", "Paweł", "Agnieszka", "Michał"),
        ("Kowalski", "Wiśniewska", "Żak", "Nowak", "Wójcik", "Dąbrowska"),
        _cities(
            ("Kraków", None, None, "31-042", "50.0647", "19.9450"),
            ("Warszawa", None, None, "00-001", "52.2297", "21.0122"),
            ("Gdańsk", None, None, "80-001", "54.3520", "18.6466"),
            ("Wrocław", None, None, "50-001", "51.1079", "17.0385"),
        ),
        ("ul. Floriańska {n}", "ul. Marszałkowska {n}", "ul. Długa {n}"),
        "PL VAT",
        "0.23",
        True,
        5,
    ),
    Locale(
        "Denmark",
        "DK",
        "da",
        "da-DK,da;q=0.9,en;q=0.8",
        "+45",
        ("Søren", "Mette", "Astrid", "Mads", "Freja", "Rasmus"),
        ("Jørgensen", "Nielsen", "Sørensen", "Hansen", "Mølgaard", "Larsen"),
        _cities(
            ("København", None, None, "1050", "55.6761", "12.5683"),
            ("Aarhus", None, None, "8000", "56.1629", "10.2039"),
            ("Odense", None, None, "5000", "55.4038", "10.4024"),
        ),
        ("Nørrebrogade {n}", "Søndergade {n}", "Vestergade {n}"),
        "DK Moms",
        "0.25",
        True,
        4,
    ),
    Locale(
        "Sweden",
        "SE",
        "sv",
        "sv-SE,sv;q=0.9,en;q=0.8",
        "+46",
        ("Björn", "Åsa", "Linnéa", "Erik", "Maja", "Oskar"),
        ("Öberg", "Lindqvist", "Andersson", "Åkesson", "Johansson", "Ström"),
        _cities(
            ("Stockholm", None, None, "111 51", "59.3293", "18.0686"),
            ("Göteborg", None, None, "411 03", "57.7089", "11.9746"),
            ("Malmö", None, None, "211 20", "55.6050", "13.0038"),
        ),
        ("Götgatan {n}", "Storgatan {n}", "Södra Förstadsgatan {n}"),
        "SE Moms",
        "0.25",
        True,
        4,
    ),
    Locale(
        "Japan",
        "JP",
        "ja",
        "ja-JP,ja;q=0.9,en;q=0.5",
        "+81",
        ("さくら", "陽菜", "健太", "はると", "Yuki", "美咲"),
        ("佐藤", "鈴木", "高橋", "田中", "渡辺", "Tanaka"),
        _cities(
            ("Shibuya-ku", "Tōkyō", "JP-13", "150-0001", "35.6640", "139.6982"),
            ("Osaka", "Ōsaka", "JP-27", "530-0001", "34.6937", "135.5023"),
            ("Sapporo", "Hokkaidō", "JP-01", "060-0001", "43.0618", "141.3545"),
            ("Kyoto", "Kyōto", "JP-26", "600-8001", "35.0116", "135.7681"),
        ),
        ("Jingūmae 1-{n}-3", "Umeda 2-{n}-1", "神宮前 4-{n}-2"),
        "JP CT",
        "0.10",
        True,
        5,
    ),
    Locale(
        "Vietnam",
        "VN",
        "vi",
        "vi-VN,vi;q=0.9,en;q=0.7",
        "+84",
        ("Thảo", "Minh Anh", "Đức", "Hương", "Quốc Bảo", "Lan"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ"),
        _cities(
            ("Ho Chi Minh City", None, None, "700000", "10.8231", "106.6297"),
            ("Hanoi", None, None, "100000", "21.0278", "105.8342"),
            ("Da Nang", None, None, "550000", "16.0544", "108.2022"),
        ),
        ("{n} Đường Lê Lợi", "{n} Phố Huế", "{n} Nguyễn Văn Linh"),
        "VN VAT",
        "0.10",
        True,
        3,
    ),
    Locale(
        "Bulgaria",
        "BG",
        "bg",
        "bg-BG,bg;q=0.9,en;q=0.7",
        "+359",
        ("Мария", "Георги", "Иван", "Десислава", "Николай", "Елена"),
        ("Иванова", "Георгиев", "Димитрова", "Петров", "Стоянова", "Николов"),
        _cities(
            ("Sofia", None, None, "1000", "42.6977", "23.3219"),
            ("Plovdiv", None, None, "4000", "42.1354", "24.7453"),
            ("Varna", None, None, "9000", "43.2141", "27.9147"),
        ),
        ("бул. Витоша {n}", "ul. Knyaz Boris I {n}", "ул. Главна {n}"),
        "BG VAT",
        "0.20",
        True,
        3,
    ),
    Locale(
        "Australia",
        "AU",
        "en",
        "en-AU,en;q=0.9",
        "+61",
        ("Olivia", "Jack", "Charlotte", "Liam", "Mia", "Kai"),
        ("Nguyen", "Smith", "Wilson", "Chen", "Brown", "Papadopoulos"),
        _cities(
            ("Sydney", "New South Wales", "NSW", "2000", "-33.8688", "151.2093"),
            ("Melbourne", "Victoria", "VIC", "3000", "-37.8136", "144.9631"),
            ("Brisbane", "Queensland", "QLD", "4000", "-27.4698", "153.0251"),
        ),
        ("{n} George Street", "{n} Flinders Lane", "{n} Queen Street"),
        "GST",
        "0.10",
        True,
        5,
    ),
    Locale(
        "Mexico",
        "MX",
        "es",
        "es-MX,es;q=0.9,en;q=0.6",
        "+52",
        ("José", "Ana María", "Sofía", "Ximena", "Santiago", "Andrés"),
        ("Hernández", "López", "Martínez", "Ramírez", "Pérez", "Gutiérrez"),
        _cities(
            ("Ciudad de México", "Ciudad de México", "DF", "06000", "19.4326", "-99.1332"),
            ("Guadalajara", "Jalisco", "JAL", "44100", "20.6597", "-103.3496"),
            ("Monterrey", "Nuevo León", "NL", "64000", "25.6866", "-100.3161"),
        ),
        ("Av. Álvaro Obregón {n}", "Calle Morelos {n}", "Av. Constitución {n}"),
        "IVA",
        "0.16",
        True,
        4,
    ),
)
LOCALE_WEIGHTS = tuple(locale.weight for locale in LOCALES)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "hostmail.com", "mail.example")
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
REFERRERS = (
    None,
    "",
    "https://www.google.com/",
    "https://l.instagram.com/",
    "https://www.pinterest.com/",
    "https://www.facebook.com/",
    "https://duckduckgo.com/",
)
LANDING_QUERIES = ("", "?utm_source=instagram&utm_medium=social", "?ref=newsletter", "?source=abc")
DISCOUNTS = (("WELCOME10", "0.10"), ("FRIENDS15", "0.15"), ("SPRING20", "0.20"))
PROPERTIES = (
    {"name": "Gift wrap", "value": "Yes"},
    {"name": "Custom Engraving", "value": "Happy Birthday"},
    {"name": "Monogram", "value": "J.Ø."},
    {"name": "Gift note", "value": "Alles Gute zum Geburtstag! 🎉"},
)
NOTES = (None, None, None, "Please leave at the back door.", "Bitte beim Nachbarn abgeben.")
# Shop time zones (fixed offsets; Shopify stamps orders in the shop's zone).
SHOP_OFFSETS = (-8, -7, -5, -4, 0, 1, 2, 9, 10)
