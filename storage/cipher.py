"""The cipher port: envelope encryption, keyed hashes and slow hashes from the secret key.

Each sealed record gets its own data key, wrapped by a key-encryption key derived from
POLICYBOT_SECRET_KEY. Older secret keys can still open what they sealed, so the key can be
rotated without losing data (and `rewrap` moves a record to the current key).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = 1


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


class SealError(Exception):
    """A sealed record could not be opened: wrong key, wrong context or tampered data."""


class KeyCipher:
    """AES-256-GCM envelopes, HMAC-SHA256 keyed hashes and Argon2id passphrase hashes."""

    def __init__(self, secret: bytes, old_secrets: tuple[bytes, ...] = ()) -> None:
        if len(secret) < 32 or any(len(s) < 32 for s in old_secrets):
            raise ValueError("a secret key must be at least 32 bytes")
        self._aead = AESGCM(_derive(secret, b"policybot encryption v1"))
        self._mac_key = _derive(secret, b"policybot keyed hash v1")
        self._keks = {self._kid(s): AESGCM(_derive(s, b"policybot kek v1")) for s in old_secrets}
        self._kid_now = self._kid(secret)
        self._keks[self._kid_now] = AESGCM(_derive(secret, b"policybot kek v1"))
        self._hasher = PasswordHasher()

    @staticmethod
    def _kid(secret: bytes) -> bytes:
        return _derive(secret, b"policybot key id v1")[:4]

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def decrypt(self, token: bytes, context: bytes) -> bytes:
        return self._aead.decrypt(token[:12], token[12:], context)

    def keyed_hash(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return hmac.new(self._mac_key, message, hashlib.sha256).hexdigest()

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """Encrypt under a fresh data key, wrapped by the current key-encryption key."""
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, nonce = os.urandom(12), os.urandom(12)
        wrapped = self._keks[self._kid_now].encrypt(wrap_nonce, data_key, self._kid_now + context)
        body = AESGCM(data_key).encrypt(nonce, plaintext, context)
        header = struct.pack(">B4sH", _VERSION, self._kid_now, len(wrapped))
        return header + wrap_nonce + wrapped + nonce + body

    def open(self, token: bytes, context: bytes) -> bytes:
        """Decrypt a sealed record, with whichever known key sealed it."""
        try:
            version, kid, size = struct.unpack(">B4sH", token[:7])
            if version != _VERSION or kid not in self._keks:
                raise SealError("sealed with an unknown key")
            wrap_nonce, rest = token[7:19], token[19:]
            wrapped, nonce, body = rest[:size], rest[size : size + 12], rest[size + 12 :]
            data_key = self._keks[kid].decrypt(wrap_nonce, wrapped, kid + context)
            return AESGCM(data_key).decrypt(nonce, body, context)
        except (InvalidTag, struct.error, ValueError) as exc:
            raise SealError(type(exc).__name__) from None

    def rewrap(self, token: bytes, context: bytes) -> bytes:
        """The same record sealed under the current key (for key rotation)."""
        return self.seal(self.open(token, context), context)

    def slow_hash(self, secret: str) -> str:
        """An Argon2id hash of a passphrase (slow on purpose)."""
        return self._hasher.hash(secret)

    def slow_verify(self, hashed: str, secret: str) -> bool:
        """True when `secret` matches an Argon2id hash from slow_hash."""
        try:
            return self._hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False
