"""The cipher port: authenticated encryption and keyed hashes from one secret key."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


class KeyCipher:
    """AES-256-GCM for data at rest, HMAC-SHA256 for keyed hashes; separate derived keys."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the secret key must be at least 32 bytes")
        self._aead = AESGCM(_derive(secret, b"policybot encryption v1"))
        self._mac_key = _derive(secret, b"policybot keyed hash v1")

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def decrypt(self, token: bytes, context: bytes) -> bytes:
        return self._aead.decrypt(token[:12], token[12:], context)

    def keyed_hash(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return hmac.new(self._mac_key, message, hashlib.sha256).hexdigest()
