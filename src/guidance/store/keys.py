"""API keys: random secrets shown once, stored only as a salted SHA-256.

Keys are 256-bit random tokens, so a slow password hash (scrypt, PBKDF2) would add
latency to every request without adding security; a per-key salt keeps equal
secrets (there are none in practice) from sharing a hash. Lookup is by the first
8 characters, then a constant-time comparison of the digest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from guidance.store.db import write_tx
from guidance.store.schema import ApiKey, table_of, utcnow

ROLES = ("counsellor", "admin", "institution")
PREFIX_LEN = 8
KEYS = table_of(ApiKey)
_DUMMY = "sha256$" + "00" * 16 + "$" + "00" * 32


@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    institution_id: str | None = None  # role ``institution`` only

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.sha256(salt + secret.encode("utf-8")).hexdigest()
    return f"sha256${salt.hex()}${digest}"


def verify_secret(secret: str, stored: str) -> bool:
    scheme, salt_hex, _digest = stored.split("$")
    if scheme != "sha256":
        return False
    return hmac.compare_digest(hash_secret(secret, bytes.fromhex(salt_hex)), stored)


def _info(row: object) -> KeyInfo:
    m = row._mapping  # type: ignore[attr-defined]
    return KeyInfo(
        m["id"],
        m["name"],
        m["role"],
        m["prefix"],
        m["created_at"],
        m["revoked_at"],
        m["institution_id"],
    )


def create_key(
    engine: Engine, name: str, role: str, institution_id: str | None = None
) -> tuple[int, str]:
    """A new key: returns ``(key_id, secret)``; the secret is not kept anywhere. A key of
    role ``institution`` is bound to ``institution_id`` (required then, refused otherwise)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    institution_id = (institution_id or "").strip() or None
    if (role == "institution") != (institution_id is not None):
        raise ValueError("an institution key needs --institution ID (and only it does)")
    if not name.strip():
        raise ValueError("a key needs a name")
    secret = secrets.token_urlsafe(32)  # 256 bits, 43 URL-safe characters
    with write_tx(engine) as conn:
        key_id = conn.execute(
            insert(KEYS)
            .values(
                name=name.strip(),
                role=role,
                prefix=secret[:PREFIX_LEN],
                hash=hash_secret(secret),
                created_at=utcnow(),
                institution_id=institution_id,
            )
            .returning(KEYS.c.id)
        ).scalar_one()
    return int(key_id), secret


def revoke_key(engine: Engine, key_id: int) -> bool:
    """Revoke a key; False if there is no such active key."""
    with write_tx(engine) as conn:
        result = conn.execute(
            update(KEYS)
            .where(KEYS.c.id == key_id, KEYS.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return result.rowcount == 1


def authenticate(engine: Engine, secret: str | None) -> KeyInfo | None:
    """The active key whose secret this is, or None."""
    if not secret or len(secret) < PREFIX_LEN:
        verify_secret("", _DUMMY)  # same work as a real miss
        return None
    with engine.connect() as conn:
        rows = conn.execute(
            select(KEYS).where(KEYS.c.prefix == secret[:PREFIX_LEN], KEYS.c.revoked_at.is_(None))
        ).all()
    found = None
    for row in rows or ():
        if verify_secret(secret, row.hash):
            found = row
    if not rows:
        verify_secret(secret, _DUMMY)
    return _info(found) if found is not None else None


def list_keys(engine: Engine, *, include_revoked: bool = True) -> list[KeyInfo]:
    query = select(KEYS).order_by(KEYS.c.id)
    if not include_revoked:
        query = query.where(KEYS.c.revoked_at.is_(None))
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(query)]
