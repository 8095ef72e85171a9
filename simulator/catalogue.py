"""The made-up store's products, which simulated orders draw from (ids above 2^53
included), as the Admin API and the `products/*` webhooks show them (the buyers, their
places and their browsing: `simulator.buyers`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "PRODUCTS_BY_ID", "Product", "Variant", "image_url", "product_payload"]


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
