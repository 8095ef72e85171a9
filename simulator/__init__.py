"""A local stand-in for Shopify: realistic orders, delivered as signed webhooks."""
