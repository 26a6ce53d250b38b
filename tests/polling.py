"""Waiting for something to happen: ask again until a deadline, never sleep a fixed time."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

__all__ = ["eventually"]


async def eventually(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    """`check()`'s first true value, asked every 20 ms; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)
