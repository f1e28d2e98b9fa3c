"""Polling with a deadline: wait for a condition to hold instead of sleeping for a guessed time.

The deadline is generous (a loaded 2-core machine may take seconds for what a quiet one does at once):
a test waits only as long as the condition takes, and one that never holds fails with a clear message.
`interrupt` stops a served process the same way: Ctrl-C, then kill only past the deadline.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
DEADLINE_S = 30.0
POLL_S = 0.02

Message = str | Callable[[], str]


def _failure(message: Message, timeout: float, last: object) -> AssertionError:
    text = message() if callable(message) else message
    return AssertionError(f"{text}: still not so after {timeout:g} s (last value: {last!r})")


def wait_until(
    condition: Callable[[], T], message: Message, timeout: float = DEADLINE_S, interval: float = POLL_S
) -> T:
    """Call `condition` until it returns a true value, which is returned; AssertionError(message) at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _failure(message, timeout, value)
        time.sleep(interval)


async def eventually(
    condition: Callable[[], Awaitable[T]], message: Message, timeout: float = DEADLINE_S, interval: float = POLL_S
) -> T:
    """`wait_until` for a coroutine condition: the event loop runs other tasks between the polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _failure(message, timeout, value)
        await asyncio.sleep(interval)


def interrupt(proc: subprocess.Popen[bytes], timeout: float = DEADLINE_S) -> None:
    """Stop a server as Ctrl-C does (SIGINT) and wait for it; kill it if it has not exited by the deadline."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
