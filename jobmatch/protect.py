"""Protection of ID and phone numbers: encryption at rest, keyed lookup hashes, masks.

A database dump shows neither numbers in clear: each is stored AES-GCM encrypted,
and looked up through an HMAC-SHA256 of its normalised value, keyed with a key
derived from ``DATA_KEY`` (so the hashes cannot be brute-forced without it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jobmatch", info=purpose).derive(master)


class Protector:
    """Encrypts, decrypts and hashes sensitive values with keys derived from one master key."""

    def __init__(self, data_key: str):
        if not data_key or len(data_key) < 16:
            raise RuntimeError("JOBMATCH_DATA_KEY 未设置或过短（至少 16 个字符）")
        master = data_key.encode("utf-8")
        self._aead = AESGCM(_derive(master, b"encrypt-v1"))
        self._mac = hmac.new(_derive(master, b"lookup-v1"), digestmod=hashlib.sha256)

    def encrypt(self, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), None)
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        if not token:
            return None
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
        return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")

    def lookup(self, kind: str, value: str | None) -> str | None:
        """Keyed hash of ``value`` for equality lookups; ``kind`` separates the namespaces."""
        if value is None or value == "":
            return None
        mac = self._mac.copy()  # copying the keyed state skips re-deriving the pads
        mac.update(f"{kind}:{value}".encode())
        return mac.hexdigest()


def protector() -> Protector:
    """The protector bound to the current app."""
    return current_app.extensions["jobmatch.protector"]


def mask_id(id_number: str | None) -> str:
    """``610926199007250115`` → ``610926********0115``."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``; landlines keep the area code and last four."""
    if not phone:
        return ""
    digits = phone
    if len(digits) == 11 and digits.isdigit():
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        head = digits.split("-")[0] if "-" in digits else digits[:3]
        return head + "-****" + digits[-4:]
    return "*" * len(digits)
