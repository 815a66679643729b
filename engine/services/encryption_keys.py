"""Where the keys encrypting channel credentials come from, and their rotation.

APPEALS_ENCRYPTION_KEYS lists Fernet keys, newest first: the first encrypts, every one decrypts. A
dedicated variable rather than one derived from APPEALS_SECRET_KEY: that key signs web sessions, may
be empty (a random one per process, which would make stored secrets unreadable after a restart),
and is changed to log everybody out; the encryption keys change on their own schedule, and their
rotation keeps the old key readable until `appeals keys rotate` has re-encrypted everything.

Without the variable (a laptop, `make run`) the key is read from APPEALS_ENCRYPTION_KEY_FILE,
made on first start with a warning: the database file alone still reveals no secret, but the key
then lives on the same disk, which is why production sets the variable.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.store import credentials as store
from engine.store import encryption
from engine.store import service_keys as service_key_store
from engine.store.appeals import audit
from engine.store.db import write_transaction

log = logging.getLogger(__name__)
SecretUnreadable = encryption.SecretUnreadable


def generated_key() -> str:
    """A new random key for APPEALS_ENCRYPTION_KEYS."""
    return encryption.new_key()


class EncryptionKeyError(ValueError):
    """The configured keys cannot be used; the message names the variable or file, never a key."""


def keys_from_file(settings) -> bool:
    """True when the keys come from the key file (APPEALS_ENCRYPTION_KEYS empty): fine on a laptop,
    a warning in production (/healthz says so)."""
    return not any(key.strip() for key in (settings.encryption_keys or "").split(","))


def configured_keys(settings) -> list[str]:
    """The keys of APPEALS_ENCRYPTION_KEYS, or the key file's (made when missing)."""
    given = [key.strip() for key in (settings.encryption_keys or "").split(",") if key.strip()]
    if given:
        return given
    return _key_file(Path(settings.encryption_key_file))


def install_keys(settings) -> encryption.KeyRing:
    """Read the keys and install them for every encrypted column of this process."""
    keys = configured_keys(settings)
    try:
        return encryption.use_keys(keys)
    except ValueError as exc:
        where = "APPEALS_ENCRYPTION_KEYS" if settings.encryption_keys.strip() else str(settings.encryption_key_file)
        raise EncryptionKeyError(f"{where}: {exc}") from None


def _key_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        _make_key_file(path)
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeError) as exc:
        raise EncryptionKeyError(f"{path}: the encryption key file cannot be read: {exc.__class__.__name__}") from None
    keys = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not keys:
        raise EncryptionKeyError(f"{path}: the encryption key file holds no key")
    return keys


def _make_key_file(path: Path) -> None:
    """Write a new key beside ``path`` (owner-only), then link it into place: the file appears whole or
    not at all, and when two processes start together the first link wins and both read its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.new")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(encryption.new_key() + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:
        return  # another process made it first: its key is the one
    finally:
        draft.unlink(missing_ok=True)
    log.warning("APPEALS_ENCRYPTION_KEYS is not set: channel secrets are encrypted with a key made now "
                "in %s; keep that file with the database, and set APPEALS_ENCRYPTION_KEYS in production", path)


@dataclass
class RotationReport:
    channels: int = 0
    values: int = 0
    service_keys: int = 0  # the VK service key of the watch list (engine/store/service_keys.py)


def rotate(now: datetime, *, actor: str = "admin") -> RotationReport:
    """Re-encrypt every channel credential and the stored service keys with the newest key (audited, no
    value shown)."""
    report = RotationReport()
    ring = encryption.key_ring()
    with write_transaction():
        for name, stored in store.stored_credentials().items():
            resealed = {column: ring.reseal(value) for column, value in stored.items() if value is not None}
            if resealed:
                store.replace_stored_credentials(name, resealed)
                report.channels += 1
                report.values += len(resealed)
        for name, sealed in service_key_store.stored().items():
            service_key_store.replace_stored(name, ring.reseal(sealed))
            report.service_keys += 1
            report.values += 1
        audit(now, actor, "keys.rotated", None, channels=report.channels, values=report.values, keys=ring.size,
              service_keys=report.service_keys)
    return report
