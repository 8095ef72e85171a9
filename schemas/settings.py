"""A shop's settings (what shoppers see and when), and the event that changes them."""

from __future__ import annotations

import re
import string
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from schemas.base import Event

__all__ = [
    "DEFAULT_TEMPLATES",
    "LOCALES",
    "PLACEHOLDERS",
    "Privacy",
    "ShopSettings",
    "ShopSettingsChanged",
    "template_placeholders",
    "WidgetConfig",
]

Locale = Literal["en", "fr", "de", "es"]
LOCALES: tuple[str, ...] = ("en", "fr", "de", "es")
Position = Literal["bottom-left", "bottom-right", "top-left", "top-right"]
MobilePosition = Literal["bottom", "top"]
# product_only: no name and no place ("Someone just bought …"), for apps without Shopify's
# Level 2 protected customer data access (README: Privacy).
Privacy = Literal["first_name", "initial", "anonymous", "product_only"]

PLACEHOLDERS: tuple[str, ...] = (
    "first_name",
    "city",
    "province",
    "country",
    "product",
    "variant",
    "quantity",
    "time_ago",
)
DEFAULT_TEMPLATES: dict[str, str] = {
    "en": "{first_name} in {city} just bought {product}",
    "fr": "{first_name} à {city} vient d'acheter {product}",
    "de": "{first_name} aus {city} hat {product} gekauft",
    "es": "{first_name} de {city} acaba de comprar {product}",
}


def template_placeholders(template: str) -> list[str]:
    """The placeholder names of a template; `ValueError` saying what is wrong otherwise."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError("unbalanced { or }: write placeholders as {first_name}") from exc
    names = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValueError(
                f"unknown placeholder {{{name}}}; use one of "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            )
        names.append(name)
    return names


# Each rule is one regular expression, checked here with a message a merchant understands
# and declared as the JSON Schema `pattern` of the field, so API clients (and the OpenAPI
# test) know exactly what is accepted.
_NAMES = "|".join(PLACEHOLDERS)
_PIECE = rf"[^{{}}]|\{{(?:{_NAMES})\}}"
TEMPLATE_PATTERN = rf"(?:{_PIECE})*\{{product\}}(?:{_PIECE})*"
COLOUR_PATTERN = r"#[0-9a-fA-F]{6}"
FONT_PATTERN = r"[A-Za-z0-9 ,'\"-]{1,80}"
PATH_PATTERN = r"/[A-Za-z0-9/_*.-]{0,200}"


def _schema(pattern: str, **more: object) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": f"^{pattern}$", **more})


def _template(value: str) -> str:
    if re.fullmatch(TEMPLATE_PATTERN, value) is None:
        if not value.strip():
            raise ValueError("a template cannot be empty")
        template_placeholders(value)  # says which placeholder is wrong, if one is
        if "{product}" not in value:
            raise ValueError("a template must name the {product}")
        raise ValueError("braces are for placeholders only: write them as {first_name}")
    return value.strip()


def _colour(value: str) -> str:
    if not re.fullmatch(COLOUR_PATTERN, value):
        raise ValueError("use a colour like #1a2b3c")
    return value.lower()


def _font(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(FONT_PATTERN, value):
        raise ValueError("a font family has letters, digits, spaces, commas, quotes and dashes")
    return value


def _path_pattern(value: str) -> str:
    if not re.fullmatch(PATH_PATTERN, value):
        raise ValueError("a page pattern starts with / and may use * (e.g. /products/*)")
    return value


Template = Annotated[
    str,
    Field(max_length=200),
    AfterValidator(_template),
    _schema(TEMPLATE_PATTERN, maxLength=200),
]
Colour = Annotated[str, AfterValidator(_colour), _schema(COLOUR_PATTERN)]
Font = Annotated[
    str | None,
    AfterValidator(_font),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": f"^{FONT_PATTERN}$"}, {"type": "null"}]}
    ),
]
PathPattern = Annotated[str, AfterValidator(_path_pattern), _schema(PATH_PATTERN)]
Milliseconds = Annotated[int, Field(ge=0, le=600_000)]


class WidgetConfig(BaseModel):
    """What `GET /v1/storefront/{shop}/config` answers: only what the widget needs.

    Also the public half of `ShopSettings`, which adds what only the worker reads.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    locale: Locale = "en"
    position_desktop: Position = "bottom-left"
    position_mobile: MobilePosition = "bottom"
    background_color: Colour = "#ffffff"
    text_color: Colour = "#1a1a1a"
    accent_color: Colour = "#005fcc"
    corner_radius: int = Field(default=8, ge=0, le=32)
    font_family: Font = None
    show_image: bool = True
    link_to_product: bool = True
    # Pacing (README, "The storefront widget"): competitors wait several seconds, show
    # each popup 6-7 s, about 30 s apart, a handful a visit; "too frequent" is what
    # shoppers complain of most.
    first_delay_ms: Milliseconds = 5000
    gap_ms: Milliseconds = 24_000
    display_ms: Annotated[int, Field(ge=1000, le=60_000)] = 6500
    max_per_page: int = Field(default=3, ge=1, le=100)
    max_per_session: int = Field(default=5, ge=1, le=1000)
    include_paths: tuple[PathPattern, ...] = Field(default=(), max_length=20)
    exclude_paths: tuple[PathPattern, ...] = Field(default=(), max_length=20)


class ShopSettings(WidgetConfig):
    """Everything a merchant can tune; defaults are what a new shop gets."""

    schema_version: Literal[1] = 1
    templates: tuple[Template, ...] = Field(default=(), max_length=5)
    privacy: Privacy = "first_name"
    hide_older_than_hours: int | None = Field(default=48, ge=1, le=720)
    # Orders placed with a test gateway (`test: true`) are not social proof: off unless a
    # merchant trying the app turns them on (the dashboard says so).
    show_test_orders: bool = False
    exclude_products: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = Field(
        default=(), max_length=100
    )
    exclude_tags: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = Field(
        default=(), max_length=100
    )

    @property
    def effective_templates(self) -> tuple[str, ...]:
        """The merchant's templates, or the locale's default."""
        return self.templates or (DEFAULT_TEMPLATES[self.locale],)

    def widget_config(self) -> WidgetConfig:
        """The public part the storefront widget needs."""
        return WidgetConfig.model_validate(self.model_dump(include=set(WidgetConfig.model_fields)))


class ShopSettingsChanged(Event):
    """A merchant saved settings; keyed by shop on the compacted settings topic."""

    schema_version: Literal[1] = 1
    shop: str
    settings: ShopSettings
    changed_at: datetime
    changed_by: str | None = None
