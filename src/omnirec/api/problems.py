"""RFC 7807 problem details for every error answer: domain errors, HTTP/validation errors and crashes."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.types import ExceptionHandlersMap

from omnirec.errors import (
    InvalidRequest,
    NoActiveModel,
    OmnirecError,
    StoreUnavailable,
    UnknownItem,
    UnknownOffer,
    UnknownUser,
)
from omnirec.schemas import Problem
from omnirec.service.events import BatchTooLarge

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

# Most specific first: the first class in an error's MRO found here decides the answer.
DOMAIN_ERRORS: dict[type[OmnirecError], tuple[int, str]] = {
    BatchTooLarge: (413, "batch-too-large"),
    InvalidRequest: (400, "invalid-request"),
    UnknownUser: (404, "unknown-user"),
    UnknownItem: (404, "unknown-item"),
    UnknownOffer: (404, "unknown-offer"),
    NoActiveModel: (503, "no-active-model"),
    StoreUnavailable: (503, "store-unavailable"),
}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# What each status means on this API, for the OpenAPI document (every one is a Problem body).
MEANINGS = {
    400: "Invalid request: a parameter or the body failed validation; `errors` lists each problem "
    "(for events: index, field, reason).",
    401: "Missing or unknown X-API-Key.",
    403: "The API key lacks the scope this route needs.",
    404: "Unknown item of the active model version, or no offer catalogue published.",
    413: "Body larger than max_body_bytes, or more events than max_batch_events.",
    415: "The body is not application/json.",
    429: "The API key's rate limit (rate_limit_per_minute) is used up; see Retry-After.",
    503: "The feature store is unreachable or no model version is active; see Retry-After.",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The error answers a route can give, documented as application/problem+json Problem bodies."""
    return {
        status: ResponseSpec(
            data_container=Problem, description=MEANINGS[status], media_type=PROBLEM_MEDIA_TYPE, generate_examples=False
        )
        for status in statuses
    }


def problem(
    request: Request[Any, Any, Any],
    status: int,
    slug: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    body = Problem(
        type=f"/problems/{slug}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def domain_error(request: Request[Any, Any, Any], exc: OmnirecError) -> Response[Problem]:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_ERRORS:
            status, slug = DOMAIN_ERRORS[cls]
            headers = {"Retry-After": "1"} if status == 503 else None
            return problem(request, status, slug, str(exc), headers=headers)
    return internal_error(request, exc)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    errors = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = [{str(k): str(v) for k, v in e.items()} for e in exc.extra if isinstance(e, dict)]
    slug = "validation-error" if isinstance(exc, ValidationException) else TITLES.get(exc.status_code, "error")
    headers = {k: v for k, v in (exc.headers or {}).items()}
    return problem(request, exc.status_code, slug.lower().replace(" ", "-"), exc.detail, errors, headers or None)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, "internal-error", "the server failed to answer; the error was logged")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    OmnirecError: domain_error,
    HTTPException: http_error,
    Exception: internal_error,
}
