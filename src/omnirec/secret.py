"""Secret: a string setting (the Redis password) that never shows in repr, str, logs or encoded settings."""

from __future__ import annotations

from typing import Any

MASK = "**********"


class Secret:
    """A value to hand to one client and to nothing else: printing it shows a mask, `reveal()` the value.

    msgspec cannot encode it by itself, so an accidental `msgspec.json.encode(settings)` fails instead of
    leaking; `secret_enc_hook`/`secret_dec_hook` write and read it on purpose (the serve file, 0600).
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str = "") -> None:
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The secret itself: pass it straight to the client that needs it."""
        return self._value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Secret is immutable")

    def __repr__(self) -> str:
        return f"Secret('{MASK if self._value else ''}')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))


def secret_dec_hook(kind: type, value: Any) -> Any:
    """msgspec dec_hook: a string becomes a Secret (any other type is refused without echoing the value)."""
    if kind is Secret:
        if isinstance(value, Secret):
            return value
        if isinstance(value, str):
            return Secret(value)
        raise TypeError(f"expected a string, got {type(value).__name__}")
    raise NotImplementedError(f"cannot decode {kind!r}")


def secret_enc_hook(value: Any) -> Any:
    """msgspec enc_hook: writes a Secret's value. Only for the private serve file handed to the workers."""
    if isinstance(value, Secret):
        return value.reveal()
    raise NotImplementedError(f"cannot encode {type(value).__name__}")
