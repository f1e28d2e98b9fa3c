"""JSON request bodies: the content-type check (415) and decoding whose every failure is a 400, never a crash."""

from __future__ import annotations

import sys
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException, HTTPException

_DECODER = msgspec.json.Decoder()


class UnsupportedMediaType(HTTPException):
    """A JSON route called with a body of another media type."""

    status_code = 415


def is_json_media_type(content_type: str | None) -> bool:
    """application/json or an application/*+json type, parameters (charset) ignored."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def decode_json_body(body: bytes) -> Any:
    """The decoded body. msgspec stops at the interpreter's recursion limit with RecursionError: a few KB of
    brackets would otherwise escape as a 500. Sizes are bounded before this by request_max_body_size (413)."""
    if not body.strip():
        raise ClientException("the request body is empty: send a JSON document")
    try:
        return _DECODER.decode(body)
    except RecursionError:
        raise ClientException(
            f"the JSON body is nested too deeply (at most about {sys.getrecursionlimit()} levels are read)"
        ) from None
    except msgspec.DecodeError as exc:  # malformed JSON, numbers out of range, bytes that are not UTF-8
        raise ClientException(f"the body is not valid JSON: {exc}") from None


class JsonRequest(Request[Any, Any, Any]):
    """The app's request class: `data` of every JSON route is read through json() below."""

    async def json(self) -> Any:
        content_type = self.headers.get("content-type")
        if not is_json_media_type(content_type):
            raise UnsupportedMediaType(
                f"this route takes application/json, not {content_type or 'a body without a content-type'}"
            )
        return decode_json_body(await self.body())
