"""The HTTP edge: Shopify webhooks in (verified, then produced to Kafka), storefront
notifications out (Server-Sent Events fanned out from one Redis subscription)."""

__all__: list[str] = []  # each module exports its own names
