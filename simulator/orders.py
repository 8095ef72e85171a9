"""Seeded generator of realistic Shopify ``orders/create`` webhook bodies (REST Order resources),
shaped on the real sample in shared/fixtures/shopify-orders-create.json."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

__all__ = ["CATALOGUE", "OrderFactory", "Product", "Variant"]

_CENT = Decimal("0.01")
_CURRENCY = "USD"


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
class _City:
    name: str
    province: str | None
    province_code: str | None
    zip: str
    latitude: str
    longitude: str


@dataclass(frozen=True, slots=True)
class _Locale:
    country: str
    country_code: str
    language: str
    accept_language: str
    phone_prefix: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[_City, ...]
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
_PRODUCTS_BY_ID: dict[int, Product] = {product.id: product for product in CATALOGUE}


def _cities(*rows: tuple[str, str | None, str | None, str, str, str]) -> tuple[_City, ...]:
    return tuple(_City(*row) for row in rows)


_LOCALES: tuple[_Locale, ...] = (
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
    _Locale(
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
_LOCALE_WEIGHTS = tuple(locale.weight for locale in _LOCALES)

_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "hostmail.com", "mail.example")
_USER_AGENTS = (
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
_REFERRERS = (
    None,
    "",
    "https://www.google.com/",
    "https://l.instagram.com/",
    "https://www.pinterest.com/",
    "https://www.facebook.com/",
    "https://duckduckgo.com/",
)
_LANDING_QUERIES = ("", "?utm_source=instagram&utm_medium=social", "?ref=newsletter", "?source=abc")
_DISCOUNTS = (("WELCOME10", "0.10"), ("FRIENDS15", "0.15"), ("SPRING20", "0.20"))
_PROPERTIES = (
    {"name": "Gift wrap", "value": "Yes"},
    {"name": "Custom Engraving", "value": "Happy Birthday"},
    {"name": "Monogram", "value": "J.Ø."},
    {"name": "Gift note", "value": "Alles Gute zum Geburtstag! 🎉"},
)
_NOTES = (None, None, None, "Please leave at the back door.", "Bitte beim Nachbarn abgeben.")
# Shop time zones (fixed offsets; Shopify stamps orders in the shop's zone).
_SHOP_OFFSETS = (-8, -7, -5, -4, 0, 1, 2, 9, 10)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _money(amount: Decimal) -> str:
    return str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def _money_set(amount: Decimal) -> dict[str, Any]:
    value = {"amount": _money(amount), "currency_code": _CURRENCY}
    return {"shop_money": value, "presentment_money": dict(value)}


def _shop_host(shop: str) -> str:
    return shop if "." in shop else f"{shop}.myshopify.com"


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class OrderFactory:
    """Generates one shop's ``orders/create`` bodies; equal seeds (and clocks) give equal orders.

    ``clock`` returns the moment an order is created (default: the wall clock, UTC); pass a
    fixed clock for fully reproducible output. Order ids and numbers increase per factory.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        shop: str,
        clock: Callable[[], datetime] | None = None,
        first_order_number: int = 1001,
    ) -> None:
        self.shop = shop
        self._rng = random.Random(seed)  # noqa: S311 - simulated data, not secrets
        self._clock = clock or _utc_now
        self._shop_id = self._rng.randrange(10**10, 10**11)
        self._tz = timezone(timedelta(hours=self._rng.choice(_SHOP_OFFSETS)))
        self._next_order_id = 5_600_000_000_000 + self._rng.randrange(10**11)
        self._next_line_item_id = 14_300_000_000_000 + self._rng.randrange(10**11)
        self._next_number = first_order_number
        self._first_order_number = first_order_number

    # -- public -----------------------------------------------------------------------------

    def order(self, **overrides: Any) -> dict[str, Any]:
        """One REST Order resource; ``overrides`` replace (or add) top-level keys as given."""
        rng = self._rng
        order_id = self._take_order_id()
        order_number = self._next_number
        self._next_number += 1
        created = self._clock().astimezone(self._tz).replace(microsecond=0)
        created_at = created.isoformat()

        roll = rng.random()
        kind = "web" if roll >= 0.10 else ("pos" if roll < 0.06 else "draft")
        locale = _LOCALES[0] if kind == "pos" else self._pick_locale()
        name_locale = self._pick_locale() if rng.random() < 0.15 else locale
        first_name = rng.choice(name_locale.first_names)
        last_name = rng.choice(name_locale.last_names)

        line_items = self._line_items(kind)
        line_total = sum(
            (Decimal(item["price"]) * item["quantity"] for item in line_items), Decimal(0)
        )
        discount_codes: list[dict[str, Any]] = []
        discount_applications: list[dict[str, Any]] = []
        discount = Decimal(0)
        if kind == "web" and rng.random() < 0.15:
            code, pct = rng.choice(_DISCOUNTS)
            discount = (line_total * Decimal(pct)).quantize(_CENT, rounding=ROUND_HALF_UP)
            discount_codes.append({"code": code, "amount": _money(discount), "type": "percentage"})
            discount_applications.append(
                {
                    "type": "discount_code",
                    "value": str(Decimal(pct) * 100),
                    "value_type": "percentage",
                    "allocation_method": "across",
                    "target_selection": "all",
                    "target_type": "line_item",
                    "code": code,
                }
            )
        subtotal = line_total - discount
        shipping_lines = self._shipping_lines(kind, locale, subtotal)
        shipping = sum((Decimal(line["price"]) for line in shipping_lines), Decimal(0))
        rate = Decimal(locale.tax_rate)
        if locale.taxes_included:
            tax = (subtotal + shipping) - (subtotal + shipping) / (1 + rate)
        else:
            tax = (subtotal + shipping) * rate
        tax = tax.quantize(_CENT, rounding=ROUND_HALF_UP)
        total = subtotal + shipping + (Decimal(0) if locale.taxes_included else tax)
        weight = sum(item["grams"] * item["quantity"] for item in line_items)

        if kind == "web":
            email = "" if rng.random() < 0.05 else self._email(first_name, last_name, rng)
        else:
            email = "" if rng.random() < 0.7 else self._email(first_name, last_name, rng)
        phone = self._phone(locale) if rng.random() < 0.2 else None
        browser_ip = self._browser_ip() if kind == "web" else None

        customer: dict[str, Any] | None = None
        billing: dict[str, Any] | None = None
        shipping_address: dict[str, Any] | None = None
        if kind == "web":
            city = rng.choice(locale.cities)
            street = rng.choice(locale.streets).format(n=rng.randint(1, 240))
            address_phone = self._phone(locale) if rng.random() < 0.6 else None
            billing = self._address(first_name, last_name, locale, city, street, address_phone)
            shipping_address = dict(billing)
            if rng.random() < 0.06:
                shipping_address["city"] = None
            customer = self._customer(
                first_name, last_name, email, phone, created, locale, city, street, address_phone
            )

        token = f"{rng.getrandbits(128):032x}"
        gateway, payment_details = self._payment(kind)
        financial_status = rng.choices(("paid", "authorized", "pending"), (85, 10, 5))[0]
        handle = _PRODUCTS_BY_ID[line_items[0]["product_id"]].handle
        referrer = rng.choice(_REFERRERS) if kind == "web" else None
        landing_query = rng.choice(_LANDING_QUERIES)
        number = order_number - self._first_order_number + 1
        checkout_id = order_id + rng.randint(10**9, 9 * 10**9) if kind == "web" else None

        order: dict[str, Any] = {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "app_id": {"web": 580111, "pos": 129785, "draft": 1354745}[kind],
            "browser_ip": browser_ip,
            "buyer_accepts_marketing": rng.random() < 0.35,
            "cancel_reason": None,
            "cancelled_at": None,
            "cart_token": f"{rng.getrandbits(128):032x}" if kind == "web" else None,
            "checkout_id": checkout_id,
            "checkout_token": f"{rng.getrandbits(128):032x}" if kind == "web" else None,
            "client_details": {
                "accept_language": locale.accept_language if kind == "web" else None,
                "browser_height": None,
                "browser_ip": browser_ip,
                "browser_width": None,
                "session_hash": None,
                "user_agent": rng.choice(_USER_AGENTS) if kind == "web" else None,
            },
            "closed_at": None,
            "confirmed": True,
            "contact_email": email or None,
            "created_at": created_at,
            "currency": _CURRENCY,
            "current_subtotal_price": _money(subtotal),
            "current_total_discounts": _money(discount),
            "current_total_price": _money(total),
            "current_total_tax": _money(tax),
            "customer_locale": locale.language if kind == "web" else None,
            "email": email,
            "estimated_taxes": False,
            "financial_status": financial_status,
            "fulfillment_status": "fulfilled" if kind == "pos" else None,
            "gateway": gateway,
            "landing_site": f"/products/{handle}{landing_query}" if kind == "web" else None,
            "landing_site_ref": "abc" if landing_query == "?source=abc" else None,
            "location_id": 61_234_567_891 if kind == "pos" else None,
            "name": f"#{order_number}",
            "note": rng.choice(_NOTES) if kind == "web" else None,
            "note_attributes": self._note_attributes(kind),
            "number": number,
            "order_number": order_number,
            "order_status_url": (
                f"https://{_shop_host(self.shop)}/{self._shop_id}/orders/{token}"
                f"/authenticate?key={rng.getrandbits(128):032x}"
            ),
            "payment_details": payment_details,
            "payment_gateway_names": [gateway],
            "phone": phone,
            "presentment_currency": _CURRENCY,
            "processed_at": created_at,
            "processing_method": "direct",
            "reference": None,
            "referring_site": referrer,
            "source": None,
            "source_identifier": None,
            "source_name": {"web": "web", "pos": "pos", "draft": "shopify_draft_order"}[kind],
            "subtotal_price": _money(subtotal),
            "tags": "",
            "tax_lines": [{"price": _money(tax), "rate": float(rate), "title": locale.tax_title}],
            "taxes_included": locale.taxes_included,
            "test": False,
            "token": token,
            "total_discounts": _money(discount),
            "total_line_items_price": _money(line_total),
            "total_outstanding": "0.00" if financial_status == "paid" else _money(total),
            "total_price": _money(total),
            "total_price_set": _money_set(total),
            "total_price_usd": _money(total),
            "total_tax": _money(tax),
            "total_tip_received": "0.00",
            "total_weight": weight,
            "updated_at": created_at,
            "user_id": 73_984_231_001 if kind == "pos" else None,
            "billing_address": billing,
            "customer": customer,
            "discount_applications": discount_applications,
            "discount_codes": discount_codes,
            "fulfillments": [],
            "line_items": line_items,
            "refunds": [],
            "shipping_address": shipping_address,
            "shipping_lines": shipping_lines,
        }
        order.update(overrides)
        return order

    def body(self, order: dict[str, Any]) -> bytes:
        """The exact bytes Shopify would POST (compact JSON, UTF-8, ids as JSON integers)."""
        return orjson.dumps(order)

    # -- parts ------------------------------------------------------------------------------

    def _take_order_id(self) -> int:
        order_id = self._next_order_id
        self._next_order_id += self._rng.randint(1_000, 900_000)
        return order_id

    def _pick_locale(self) -> _Locale:
        return self._rng.choices(_LOCALES, _LOCALE_WEIGHTS)[0]

    def _line_items(self, kind: str) -> list[dict[str, Any]]:
        rng = self._rng
        count = rng.choices((1, 2, 3), (60, 28, 12))[0]
        items: list[dict[str, Any]] = []
        for product in rng.sample(CATALOGUE, count):
            variant = rng.choice(product.variants)
            quantity = rng.choices((1, 2, 3, 4), (75, 18, 5, 2))[0]
            line_id = self._next_line_item_id
            self._next_line_item_id += rng.randint(1_000, 90_000)
            properties = [dict(rng.choice(_PROPERTIES))] if rng.random() < 0.12 else []
            items.append(
                {
                    "id": line_id,
                    "current_quantity": quantity,
                    "fulfillable_quantity": 0 if kind == "pos" else quantity,
                    "fulfillment_service": "manual",
                    "fulfillment_status": "fulfilled" if kind == "pos" else None,
                    "gift_card": False,
                    "grams": product.grams,
                    "name": f"{product.title} - {variant.title}",
                    "price": variant.price,
                    "product_exists": True,
                    "product_id": product.id,
                    "properties": properties,
                    "quantity": quantity,
                    "requires_shipping": kind != "pos",
                    "sku": variant.sku,
                    "taxable": True,
                    "title": product.title,
                    "total_discount": "0.00",
                    "variant_id": variant.id,
                    "variant_inventory_management": "shopify",
                    "variant_title": variant.title,
                    "vendor": product.vendor,
                    "tax_lines": [],
                    "duties": [],
                    "discount_allocations": [],
                }
            )
        return items

    def _shipping_lines(
        self, kind: str, locale: _Locale, subtotal: Decimal
    ) -> list[dict[str, Any]]:
        if kind == "pos":
            return []
        domestic = locale.country_code == "US"
        if self._rng.random() < 0.15:
            title, price = ("Express", "14.95") if domestic else ("International Express", "39.00")
        elif subtotal >= (Decimal(100) if domestic else Decimal(150)):
            title, price = "Free Shipping", "0.00"
        else:
            title, price = ("Standard", "5.95") if domestic else ("International Standard", "19.00")
        return [
            {
                "id": self._rng.randrange(4_000_000_000_000, 5_000_000_000_000),
                "carrier_identifier": None,
                "code": title,
                "discounted_price": price,
                "phone": None,
                "price": price,
                "source": "shopify",
                "title": title,
                "tax_lines": [],
                "discount_allocations": [],
            }
        ]

    def _email(self, first: str, last: str, rng: random.Random) -> str:
        first_slug, last_slug = _ascii_slug(first), _ascii_slug(last)
        if first_slug and last_slug:
            local = rng.choice((f"{first_slug}.{last_slug}", f"{first_slug[0]}{last_slug}"))
        else:
            local = f"{first_slug or last_slug or 'buyer'}{rng.randint(10, 9999)}"
        return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"

    def _phone(self, locale: _Locale) -> str:
        return f"{locale.phone_prefix}{self._rng.randint(10**8, 10**9 - 1)}"

    def _browser_ip(self) -> str:
        rng = self._rng
        if rng.random() < 0.15:  # documentation ranges only (RFC 3849 / RFC 5737)
            return f"2001:db8:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}"
        net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
        return f"{net}.{rng.randint(1, 254)}"

    def _address(
        self,
        first: str,
        last: str,
        locale: _Locale,
        city: _City,
        street: str,
        phone: str | None,
    ) -> dict[str, Any]:
        return {
            "address1": street,
            "address2": "" if self._rng.random() < 0.8 else f"Apt {self._rng.randint(1, 40)}",
            "city": city.name,
            "company": None,
            "country": locale.country,
            "first_name": first,
            "last_name": last,
            "latitude": city.latitude,
            "longitude": city.longitude,
            "phone": phone,
            "province": city.province,
            "zip": city.zip,
            "name": f"{first} {last}",
            "country_code": locale.country_code,
            "province_code": city.province_code,
        }

    def _customer(
        self,
        first: str,
        last: str,
        email: str,
        phone: str | None,
        created: datetime,
        locale: _Locale,
        city: _City,
        street: str,
        address_phone: str | None,
    ) -> dict[str, Any]:
        rng = self._rng
        customer_id = rng.randrange(6_000_000_000_000, 8_000_000_000_000)
        since = created - timedelta(days=rng.randint(0, 1500), seconds=rng.randint(0, 86_399))
        orders_count = rng.choices((1, 2, 3, 5, 12), (60, 20, 10, 7, 3))[0]
        consent = rng.random() < 0.35
        return {
            "id": customer_id,
            "accepts_marketing": consent,
            "created_at": since.isoformat(),
            "currency": _CURRENCY,
            "email": email or None,
            "first_name": first,
            "last_name": last,
            "last_order_id": None,
            "last_order_name": None,
            "multipass_identifier": None,
            "note": None,
            "orders_count": orders_count,
            "phone": phone,
            "state": "enabled" if rng.random() < 0.3 else "disabled",
            "tags": "",
            "tax_exempt": False,
            "total_spent": "0.00",
            "updated_at": created.isoformat(),
            "verified_email": bool(email),
            "default_address": {
                "id": rng.randrange(8_000_000_000_000, 9_000_000_000_000),
                "customer_id": customer_id,
                "address1": street,
                "address2": "",
                "city": city.name,
                "company": None,
                "country": locale.country,
                "first_name": first,
                "last_name": last,
                "phone": address_phone,
                "province": city.province,
                "zip": city.zip,
                "name": f"{first} {last}",
                "province_code": city.province_code,
                "country_code": locale.country_code,
                "country_name": locale.country,
                "default": True,
            },
        }

    def _payment(self, kind: str) -> tuple[str, dict[str, Any]]:
        rng = self._rng
        if kind == "draft":
            gateway = "manual"
        elif kind == "pos":
            gateway = rng.choice(("shopify_payments", "cash"))
        else:
            gateway = rng.choices(("shopify_payments", "paypal"), (80, 20))[0]
        if gateway == "shopify_payments":
            company = rng.choice(("Visa", "Mastercard", "American Express"))
            last4 = f"{rng.randint(0, 9999):04d}"
            return gateway, {
                "avs_result_code": "Y" if kind == "web" else None,
                "credit_card_bin": None,
                "cvv_result_code": "M" if kind == "web" else None,
                "credit_card_number": f"•••• •••• •••• {last4}",
                "credit_card_company": company,
            }
        return gateway, {
            "avs_result_code": None,
            "credit_card_bin": None,
            "cvv_result_code": None,
            "credit_card_number": None,
            "credit_card_company": None,
        }

    def _note_attributes(self, kind: str) -> list[dict[str, Any]]:
        if kind != "web" or self._rng.random() >= 0.1:
            return []
        return [{"name": "gift_message", "value": "Für dich ❤ — enjoy!"}]
