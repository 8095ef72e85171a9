"""A shop's settings (what shoppers see and when), and the event that changes them."""

from __future__ import annotations

import re
import string
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from schemas.base import Event

__all__ = [
    "DEFAULT_TEMPLATES",
    "LOCALES",
    "PLACEHOLDERS",
    "ShopSettings",
    "ShopSettingsChanged",
    "WidgetConfig",
    "template_placeholders",
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


def _template(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("a template cannot be empty")
    if "product" not in template_placeholders(value):
        raise ValueError("a template must name the {product}")
    return value


def _colour(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError("use a colour like #1a2b3c")
    return value.lower()


def _font(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z0-9 ,'\"-]{1,80}", value):
        raise ValueError("a font family has letters, digits, spaces, commas, quotes and dashes")
    return value or None


def _path_pattern(value: str) -> str:
    if not re.fullmatch(r"/[A-Za-z0-9/_*.-]{0,200}", value):
        raise ValueError("a page pattern starts with / and may use * (e.g. /products/*)")
    return value


Template = Annotated[str, Field(max_length=200), AfterValidator(_template)]
Colour = Annotated[str, AfterValidator(_colour)]
PathPattern = Annotated[str, AfterValidator(_path_pattern)]
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
    font_family: Annotated[str | None, AfterValidator(_font)] = None
    show_image: bool = True
    link_to_product: bool = True
    first_delay_ms: Milliseconds = 2000
    gap_ms: Milliseconds = 4000
    display_ms: Annotated[int, Field(ge=1000, le=60_000)] = 6000
    max_per_page: int = Field(default=10, ge=1, le=100)
    max_per_session: int = Field(default=30, ge=1, le=1000)
    include_paths: tuple[PathPattern, ...] = Field(default=(), max_length=20)
    exclude_paths: tuple[PathPattern, ...] = Field(default=(), max_length=20)


class ShopSettings(WidgetConfig):
    """Everything a merchant can tune; defaults are what a new shop gets."""

    schema_version: Literal[1] = 1
    templates: tuple[Template, ...] = Field(default=(), max_length=5)
    privacy: Privacy = "first_name"
    hide_older_than_hours: int | None = Field(default=48, ge=1, le=720)
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
