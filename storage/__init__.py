"""Persistence: shops, encrypted offline sessions, webhook receipts and compliance records."""

__all__: list[str] = []
