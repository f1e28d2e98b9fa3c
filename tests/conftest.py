"""Shared pytest fixtures."""

from redis_servers import redis_cluster, redis_server, redis_server_process

__all__ = ["redis_cluster", "redis_server", "redis_server_process"]
