"""A reversible stand-in for the installation's cipher: sealed bytes differ from the text, keyed
hashes are readable (unit tests only: never privacy evidence)."""

from __future__ import annotations


class FakeCipher:
    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        return bytes(b ^ 0x5A for b in plaintext)

    def decrypt(self, token: bytes, context: bytes) -> bytes:
        return bytes(b ^ 0x5A for b in token)

    def keyed_hash(self, *parts: str) -> str:
        return "h:" + "|".join(parts)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        return bytes(b ^ 0x5A for b in plaintext)

    def open(self, token: bytes, context: bytes) -> bytes:
        return bytes(b ^ 0x5A for b in token)

    def slow_hash(self, secret: str) -> str:
        return "slow:" + secret

    def slow_verify(self, hashed: str, secret: str) -> bool:
        return hashed == "slow:" + secret
