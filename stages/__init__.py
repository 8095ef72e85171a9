"""The pure stages of the pipeline: functions from one event to the next, with no Faust,
Kafka, Redis or database. The worker's agents (`agents/`) and the gateway's dashboard
preview call the same code."""

__all__: list[str] = []  # each module exports its own names
