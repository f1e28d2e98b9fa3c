"""The HTTP API (Litestar): app factory, routes, request parsing, problem details, auth, rate limit, metrics."""
