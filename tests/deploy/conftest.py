"""A deployment of the test's own (tests/faults/cluster.py) for the Prometheus test."""

from tests.faults.conftest import cluster

__all__ = ["cluster"]
