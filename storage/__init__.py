"""Persistence: shops, encrypted offline sessions and compliance records."""

__all__: list[str] = []
