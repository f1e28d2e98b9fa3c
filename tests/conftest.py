"""Shared pytest fixtures: real Redis servers, and a store parametrised over memory:// and Redis.

The BLAS pool is pinned first, as the `omnirec` command pins it (OMNIREC_BLAS_THREADS, default 1): the
variables reach numpy when it loads after this, threadpoolctl limits it when a plugin loaded it before.
Subprocesses the tests start inherit the variables.
"""

from omnirec.cli.blas import pin_blas_threads

pin_blas_threads()

from redis_servers import redis_cluster, redis_server, redis_server_process  # noqa: E402
from store_fixtures import anyio_backend, store  # noqa: E402

__all__ = ["anyio_backend", "redis_cluster", "redis_server", "redis_server_process", "store"]
