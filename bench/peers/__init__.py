"""Peer SSE fan-out servers the fan-out bench compares against (bench/fanout/)."""
