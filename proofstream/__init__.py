"""proofstream: live social-proof notifications for Shopify stores.

This package holds what every stage shares: the settings, logging, the local
stack launcher and the command line. Each pipeline stage has its own top-level
package (`gateway`, `streams`, `agents`, `widget`, `schemas`, `simulator`).
"""

__all__: list[str] = []  # each module exports its own names
