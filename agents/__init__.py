"""The stream-processing stages: pure functions (`normalize`, `render`, `publish`) and
the Faust agents that wire them together (`topology`)."""

__all__: list[str] = []  # each module exports its own names
