"""The engagement kinds the gateways count and the worker adds up are the report's fields."""

from schemas.engagement import ENGAGEMENT_KINDS, EngagementCounts


def test_every_kind_is_a_count_field_of_the_report_and_every_count_field_a_kind() -> None:
    counts = {
        name
        for name, field in EngagementCounts.model_fields.items()
        if field.annotation == dict[str, int]
    }
    assert set(ENGAGEMENT_KINDS) == counts
    assert ENGAGEMENT_KINDS == ("delivered", "impressions", "hovers", "clicks")
