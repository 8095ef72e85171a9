import orjson
import pytest

from shopify_app.embed import activate_url, embed_enabled

OURS = "shopify://apps/proofstream/blocks/app-embed/0c8a9e37-1f6b-4d2a-9a65-0f0e1c2d3b4a"
HEADER = "/*\n * IMPORTANT: The contents of this file are auto-generated.\n */\n"


def settings_data(blocks: dict[str, object]) -> str:
    return HEADER + orjson.dumps({"current": {"blocks": blocks}, "presets": {}}).decode()


@pytest.mark.parametrize(
    ("blocks", "enabled"),
    [
        ({"1": {"type": OURS, "disabled": False, "settings": {}}}, True),
        ({"1": {"type": OURS, "settings": {}}}, True),
        ({"1": {"type": OURS, "disabled": True, "settings": {}}}, False),
        ({}, False),
        ({"1": {"type": "shopify://apps/other/blocks/app-embed/x", "disabled": False}}, False),
    ],
)
def test_embed_detection(blocks: dict[str, object], enabled: bool) -> None:
    found = embed_enabled(settings_data(blocks), app_handle="proofstream", block_handle="app-embed")
    assert found is enabled


def test_current_may_be_a_preset_name() -> None:
    text = orjson.dumps({"current": "Default", "presets": {"Default": {}}}).decode()
    assert not embed_enabled(text, app_handle="proofstream", block_handle="app-embed")


def test_activate_link() -> None:
    assert activate_url("a.myshopify.com", api_key="k1", block_handle="app-embed") == (
        "https://a.myshopify.com/admin/themes/current/editor?context=apps"
        "&activateAppId=k1/app-embed"
    )
