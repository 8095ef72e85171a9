"""The made-up store that simulated orders draw from: the product catalogue (ids above 2^53
included), buyer locales (names with non-ASCII letters, cities, streets, taxes) and browsing
details (user agents, referrers, discount codes, notes)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CATALOGUE",
    "City",
    "DISCOUNTS",
    "EMAIL_DOMAINS",
    "LANDING_QUERIES",
    "LOCALES",
    "LOCALE_WEIGHTS",
    "Locale",
    "NOTES",
    "PRODUCTS_BY_ID",
    "PROPERTIES",
    "Product",
    "REFERRERS",
    "SHOP_OFFSETS",
    "USER_AGENTS",
    "Variant",
    "image_url",
    "product_payload",
]


@dataclass(frozen=True, slots=True)
class Variant:
    """One purchasable variant of a catalogue product (price as Shopify sends it: a string)."""

    id: int
    title: str
    sku: str
    price: str


@dataclass(frozen=True, slots=True)
class Product:
    """A catalogue product; ids are stable across orders and may exceed 2^53."""

    id: int
    title: str
    handle: str
    vendor: str
    grams: int
    variants: tuple[Variant, ...]


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


# Product ids are stable across orders (popups aggregate per product). Three of them exceed
# 2^53 = 9007199254740992, as ids of large shops do: a float-based JSON parser corrupts them.
CATALOGUE: tuple[Product, ...] = (
    Product(
        8041234567890,
        "Merino Crew Sweater",
        "merino-crew-sweater",
        "Northfold",
        420,
        (
            Variant(44120987650001, "Oatmeal / S", "NF-MCS-OAT-S", "89.00"),
            Variant(44120987650002, "Oatmeal / M", "NF-MCS-OAT-M", "89.00"),
            Variant(44120987650003, "Charcoal / L", "NF-MCS-CHA-L", "89.00"),
            Variant(44120987650004, "Forest / XL", "NF-MCS-FOR-XL", "94.00"),
        ),
    ),
    Product(
        8041234567891,
        "Organic Cotton Tee",
        "organic-cotton-tee",
        "Northfold",
        180,
        (
            Variant(44120987660011, "White / S", "NF-OCT-WHT-S", "28.00"),
            Variant(44120987660012, "Black / M", "NF-OCT-BLK-M", "28.00"),
            Variant(44120987660013, "Sage / L", "NF-OCT-SAG-L", "28.00"),
        ),
    ),
    Product(
        9007199254740993,
        "Linen Button-Down Shirt",
        "linen-button-down-shirt",
        "Atelier Lune",
        260,
        (
            Variant(9007199254741001, "Sand / M", "AL-LBD-SND-M", "64.00"),
            Variant(9007199254741003, "Sky / L", "AL-LBD-SKY-L", "64.00"),
        ),
    ),
    Product(
        7420005512345,
        "Everyday Chino",
        "everyday-chino",
        "Northfold",
        540,
        (
            Variant(42010203040501, "Khaki / 32", "NF-ECH-KHA-32", "72.00"),
            Variant(42010203040502, "Navy / 34", "NF-ECH-NAV-34", "72.00"),
            Variant(42010203040503, "Olive / 30", "NF-ECH-OLV-30", "72.00"),
        ),
    ),
    Product(
        7420005512399,
        "Wool Beanie",
        "wool-beanie",
        "Fjeld & Co.",
        90,
        (
            Variant(42010203040601, "Rust", "FJ-WB-RUST", "24.00"),
            Variant(42010203040602, "Heather Grey", "FJ-WB-GREY", "24.00"),
        ),
    ),
    Product(
        9151314442816848001,
        "Canvas Weekender Bag",
        "canvas-weekender-bag",
        "Harbor Goods",
        1150,
        (
            Variant(9151314442816849101, "Olive", "HG-CWB-OLV", "128.00"),
            Variant(9151314442816849102, "Natural", "HG-CWB-NAT", "128.00"),
        ),
    ),
    Product(
        6987001122334,
        "Stoneware Mug Set",
        "stoneware-mug-set",
        "Kiln Studio",
        980,
        (
            Variant(40555000111001, "Set of 2 / Speckled", "KS-SMS-2-SPK", "38.00"),
            Variant(40555000111002, "Set of 4 / Matte Black", "KS-SMS-4-BLK", "68.00"),
        ),
    ),
    Product(
        6987001122399,
        "Linen Duvet Cover",
        "linen-duvet-cover",
        "Atelier Lune",
        1600,
        (
            Variant(40555000112001, "Queen / Terracotta", "AL-LDC-Q-TER", "189.00"),
            Variant(40555000112002, "King / Oat", "AL-LDC-K-OAT", "219.00"),
        ),
    ),
    Product(
        8300442211007,
        "Cast Iron Skillet",
        "cast-iron-skillet",
        "Harbor Goods",
        2400,
        (
            Variant(45001122330001, '10"', "HG-CIS-10", "45.00"),
            Variant(45001122330002, '12"', "HG-CIS-12", "59.00"),
        ),
    ),
    Product(
        8300442211042,
        "Soy Candle — Cedar & Smoke",
        "soy-candle-cedar-smoke",
        "Kiln Studio",
        310,
        (
            Variant(45001122340001, "8 oz", "KS-SC-CED-8", "22.00"),
            Variant(45001122340002, "14 oz", "KS-SC-CED-14", "34.00"),
        ),
    ),
    Product(
        9223000000000000123,
        "Waffle Bath Towel",
        "waffle-bath-towel",
        "Fjeld & Co.",
        650,
        (
            Variant(9223000000000001001, "Bone", "FJ-WBT-BONE", "36.00"),
            Variant(9223000000000001002, "Clay", "FJ-WBT-CLAY", "36.00"),
        ),
    ),
    Product(
        7711002233445,
        "Ceramic Planter",
        "ceramic-planter",
        "Kiln Studio",
        870,
        (
            Variant(43300440055001, "Small / White", "KS-CP-S-WHT", "29.00"),
            Variant(43300440055002, "Large / Terracotta", "KS-CP-L-TER", "49.00"),
        ),
    ),
)
PRODUCTS_BY_ID: dict[int, Product] = {product.id: product for product in CATALOGUE}


def image_url(product: Product) -> str:
    """The product's featured image, where Shopify's CDN would serve it."""
    return f"https://cdn.shopify.com/s/files/1/0000/0001/files/{product.handle}.png"


def product_payload(product: Product) -> dict[str, object]:
    """The product as a `products/update` webhook delivers it (REST shape)."""
    return {
        "id": product.id,
        "title": product.title,
        "handle": product.handle,
        "vendor": product.vendor,
        "status": "active",
        "updated_at": "2026-11-01T00:00:00-05:00",
        "variants": [
            {"id": v.id, "title": v.title, "sku": v.sku, "price": v.price} for v in product.variants
        ],
        "image": {"id": product.id + 1, "src": image_url(product), "alt": product.title},
    }


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
