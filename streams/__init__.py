"""Broker and Redis wiring shared by the worker and the gateway.

`topics` and `redis` import no Faust, so the gateway stays light; `app` and `codecs`
build the Faust side for the worker.
"""

__all__: list[str] = []  # each module exports its own names
