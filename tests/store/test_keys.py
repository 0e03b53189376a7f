"""API keys: the secret is shown once, stored only hashed, and revocation is immediate."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select

from guidance.store.db import StoreError
from guidance.store.keys import (
    KEYS,
    authenticate,
    create_key,
    hash_secret,
    list_keys,
    revoke_key,
    verify_secret,
)
from guidance.store.schema import utcnow


def test_create_and_authenticate(engine):
    admin_id, admin_secret = create_key(engine, "ops", "admin")
    c_id, c_secret = create_key(engine, "Cô Lan", "counsellor")
    assert admin_id != c_id and admin_secret != c_secret and len(admin_secret) >= 40
    info = authenticate(engine, c_secret)
    assert (info.id, info.role, info.name, info.active) == (c_id, "counsellor", "Cô Lan", True)
    assert authenticate(engine, admin_secret).role == "admin"
    assert info.prefix == c_secret[:8]


def test_wrong_secrets_are_refused(engine):
    create_key(engine, "ops", "admin")
    for bad in (None, "", "short", "x" * 43):
        assert authenticate(engine, bad) is None, bad


def test_same_prefix_other_secret_is_refused(engine):
    _, secret = create_key(engine, "ops", "admin")
    forged = secret[:8] + ("A" if secret[8] != "A" else "B") + secret[9:]
    assert authenticate(engine, forged) is None


def test_secret_is_never_stored_in_clear(engine, db_url):
    _, secret = create_key(engine, "ops", "admin")
    with engine.connect() as conn:
        row = conn.execute(select(KEYS)).one()
    values = [str(v) for v in row]
    assert not any(secret in v for v in values)
    scheme, salt, digest = row.hash.split("$")
    assert scheme == "sha256" and len(salt) == 32 and len(digest) == 64
    assert verify_secret(secret, row.hash) and not verify_secret(secret + "x", row.hash)
    if db_url.startswith("sqlite"):  # the bytes on disk, including the WAL
        path = Path(db_url.removeprefix("sqlite:///"))
        blob = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert secret.encode() not in blob and secret[:8].encode() in blob


def test_hash_is_salted():
    assert hash_secret("same") != hash_secret("same")


def test_revoke(engine):
    key_id, secret = create_key(engine, "ops", "counsellor")
    assert revoke_key(engine, key_id) is True
    assert authenticate(engine, secret) is None
    assert revoke_key(engine, key_id) is False  # already revoked
    assert revoke_key(engine, 999_999) is False
    (k,) = list_keys(engine)
    assert k.revoked_at is not None and not k.active
    assert list_keys(engine, include_revoked=False) == []


def test_roles_are_checked_in_code_and_database(engine):
    with pytest.raises(ValueError):
        create_key(engine, "x", "root")
    with pytest.raises(ValueError):
        create_key(engine, "  ", "admin")
    from guidance.store.db import write_tx

    with pytest.raises(StoreError), write_tx(engine) as conn:
        conn.execute(
            insert(KEYS).values(
                name="x", role="root", prefix="abcdefgh", hash=hash_secret("s"), created_at=utcnow()
            )
        )
    assert list_keys(engine) == []
