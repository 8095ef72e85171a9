"""A local stand-in for Shopify: realistic orders, delivered as signed webhooks."""

__all__: list[str] = []  # each module exports its own names
