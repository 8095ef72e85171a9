"""The app's side of Shopify: install (OAuth, token exchange), expiring offline tokens,
the Admin GraphQL client, and the theme app embed. Every URL comes from one base URL
setting, so the same code talks to real Shopify or to the local simulator."""

__all__: list[str] = []  # each module exports its own names
