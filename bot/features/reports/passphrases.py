"""Anonymous reporters' receipts and passphrases: made, read back, and checked off the loop.

A code is groups of four characters from an alphabet without look-alikes, joined by dashes.
What a reporter types back is read the way it was made: upper case, and any spaces, dashes or
other separators only split the groups. The slow hash (Argon2id, tens of milliseconds of CPU
and memory) runs in a few threads of its own, so it never stalls the event loop, and the
features call it before their unit of work opens, so it never holds a database connection.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.ports import Cipher

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_GROUPS = 4
PASSPHRASE_GROUPS = 5
SLOW_THREADS = 2  # at most this many slow hashes at once; the rest queue for a thread
T = TypeVar("T")

_threads: ThreadPoolExecutor | None = None
_dummies: dict[type, str] = {}  # a hash of nothing, per kind of cipher: for unknown receipts


def new_code(groups: int) -> str:
    """A random code of `groups` groups of four."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(groups))


def normal(typed: str) -> str:
    """A code as typed, in the form it was made: "abcd efgh" and "ABCD-EFGH" are the same."""
    chars = [c for c in typed.upper() if c.isascii() and c.isalnum()]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, len(chars), 4))


async def slow(work: Callable[..., T], *args: Any) -> T:
    """Run a slow hash or its check in the passphrase threads."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(SLOW_THREADS, thread_name_prefix="passphrase")
    return await asyncio.get_running_loop().run_in_executor(_threads, work, *args)


@dataclass(frozen=True, slots=True)
class Issued:
    """A new anonymous report's receipt and passphrase, and the passphrase's slow hash."""

    receipt: str
    passphrase: str
    passphrase_hash: str


def issue_now(cipher: Cipher) -> Issued:
    """A fresh receipt and passphrase, hashed right here (slow: see `issue`)."""
    passphrase = new_code(PASSPHRASE_GROUPS)
    return Issued(new_code(RECEIPT_GROUPS), passphrase, cipher.slow_hash(passphrase))


async def issue(cipher: Cipher) -> Issued:
    """A fresh receipt and passphrase, hashed in the passphrase threads."""
    return await slow(issue_now, cipher)


async def verify(cipher: Cipher, hashed: str | None, typed: str) -> bool:
    """True when `typed` is the passphrase behind `hashed`. Without a hash (an unknown
    receipt) the same slow check runs against a dummy, so the answer takes as long."""
    if hashed is None:
        kind = type(cipher)
        if kind not in _dummies:
            _dummies[kind] = await slow(cipher.slow_hash, new_code(PASSPHRASE_GROUPS))
        await slow(cipher.slow_verify, _dummies[kind], normal(typed))
        return False
    return await slow(cipher.slow_verify, hashed, normal(typed))
