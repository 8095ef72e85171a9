import pytest
from pydantic import ValidationError

from schemas import ShopSettings
from schemas.settings import PLACEHOLDERS, template_placeholders


def error_of(**fields: object) -> str:
    with pytest.raises(ValidationError) as info:
        ShopSettings.model_validate(fields)
    return str(info.value)


def test_defaults_are_valid_and_public_config_is_a_subset() -> None:
    settings = ShopSettings()
    config = settings.widget_config().model_dump()
    assert set(config) < set(ShopSettings.model_fields)
    for private in ("templates", "privacy", "exclude_products", "exclude_tags"):
        assert private not in config


def test_every_placeholder_is_accepted() -> None:
    template = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    assert template_placeholders(template) == list(PLACEHOLDERS)
    assert ShopSettings(templates=(template,)).templates == (template,)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{first_name} bought {prodct}", "unknown placeholder {prodct}; use one of {first_name}"),
        ("{first_name.__class__} {product}", "unknown placeholder {first_name.__class__}"),
        ("{product!r}", "unknown placeholder {product}"),
        ("{product:>10}", "unknown placeholder {product}"),
        ("{first_name} bought {product", "unbalanced { or }"),
        ("{first_name} bought }", "unbalanced { or }"),
        ("{first_name} bought something", "must name the {product}"),
        ("   ", "cannot be empty"),
    ],
)
def test_bad_templates_are_refused_with_a_clear_message(template: str, message: str) -> None:
    assert message in error_of(templates=[template])


def test_at_most_five_templates() -> None:
    assert "at most 5" in error_of(templates=["{product}"] * 6)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("background_color", "red", "use a colour like #1a2b3c"),
        ("font_family", "x;}</style>", "a font family has letters"),
        ("include_paths", ["products/*"], "a page pattern starts with /"),
        ("corner_radius", 99, "less than or equal to 32"),
        ("display_ms", 10, "greater than or equal to 1000"),
        ("locale", "it", "'en', 'fr', 'de' or 'es'"),
        ("privacy", "full_name", "'first_name', 'initial', 'anonymous' or 'product_only'"),
        ("last_name", True, "Extra inputs are not permitted"),
    ],
)
def test_bad_values_are_refused(field: str, value: object, message: str) -> None:
    assert message in error_of(**{field: value})
