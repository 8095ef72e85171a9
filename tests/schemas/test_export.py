"""The committed JSON Schemas match the models (run `proofstream schemas` after a change)."""

from pathlib import Path

from schemas.export import json_schemas

FOLDER = Path(__file__).resolve().parents[2] / "schemas" / "json"


def test_committed_json_schemas_are_current() -> None:
    expected = json_schemas()
    committed = {path.name: path.read_bytes() for path in FOLDER.glob("*.json")}
    assert committed == expected, "schemas changed: run `proofstream schemas` and commit"


def test_public_notification_schema_has_no_private_fields() -> None:
    schema = json_schemas()["PublicNotification.json"].decode()
    for private in ("email", "phone", "last_name", "address", "total", "customer_id", "ip"):
        assert f'"{private}' not in schema
