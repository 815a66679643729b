"""Channel secrets and platform tokens encrypted at rest (Fernet, newest key first).

A column declared as ``EncryptedTextField`` holds ``fernet:<token>``: the value encrypted with the
newest key of the ring the composition root installed (``use_keys``). Reading decrypts with any key
of the ring, so a value written under an older key keeps working until ``appeals keys rotate``
re-encrypts it with the newest. A value without the prefix is one written before encryption
existed (m0019 encrypts those); it is read as it is. Nothing here logs a value, encrypted or not.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from peewee import TextField

PREFIX = "fernet:"


class KeysMissing(RuntimeError):
    """A secret is read or written before any encryption key was installed."""


class SecretUnreadable(RuntimeError):
    """A stored secret was encrypted with a key the ring no longer holds."""


class KeyRing:
    """Fernet keys, newest first: encrypts with the first, decrypts with any."""

    def __init__(self, keys: list[str | bytes]):
        if not keys:
            raise ValueError("at least one encryption key is needed")
        fernets = []
        for index, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                # the key itself is never part of the message
                raise ValueError(f"encryption key {index} is not a Fernet key (32 bytes, url-safe base64)") from None
        self._ring = MultiFernet(fernets)
        self.size = len(fernets)

    def seal(self, clear: str) -> str:
        return PREFIX + self._ring.encrypt(clear.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before m0019; the migration encrypts it
        try:
            return self._ring.decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretUnreadable("a stored channel secret cannot be decrypted with the configured "
                                   "APPEALS_ENCRYPTION_KEYS: the key it was encrypted with is missing") from None

    def reseal(self, stored: str) -> str:
        """The value encrypted with the newest key (a clear legacy value is encrypted)."""
        if not stored.startswith(PREFIX):
            return self.seal(stored)
        try:
            return PREFIX + self._ring.rotate(stored[len(PREFIX):].encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretUnreadable("a stored channel secret cannot be decrypted with the configured "
                                   "APPEALS_ENCRYPTION_KEYS: the key it was encrypted with is missing") from None


_installed: list[KeyRing] = []


def new_key() -> str:
    """A fresh random Fernet key, as text."""
    return Fernet.generate_key().decode("ascii")


def use_keys(keys: list[str | bytes]) -> KeyRing:
    """Install the ring every encrypted column of this process uses; returns it."""
    ring = KeyRing(keys)
    _installed[:] = [ring]
    return ring


def key_ring() -> KeyRing:
    if not _installed:
        raise KeysMissing("no encryption keys installed: the runtime is built with engine.bootstrap, which "
                          "reads APPEALS_ENCRYPTION_KEYS or the key file")
    return _installed[0]


class EncryptedTextField(TextField):
    """Text kept encrypted in the database and clear in Python."""

    def db_value(self, value):
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{self.name}: a secret is text, got {type(value).__name__}")
        return key_ring().seal(value)

    def python_value(self, value):
        return None if value is None else key_ring().open(value)
