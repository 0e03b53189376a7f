"""Keyed pseudonyms: the raw ``learner_ref`` never leaves the function that reads the row."""

from __future__ import annotations

import hmac


def pseudonym(secret: bytes, learner_ref: object) -> str:
    """HMAC-SHA256 (hex) of the normalised reference (trimmed, upper-case) with the secret."""
    ref = (
        str(int(learner_ref))
        if isinstance(learner_ref, float) and learner_ref.is_integer()
        else str(learner_ref)
    )
    return hmac.digest(secret, ref.strip().upper().encode("utf-8"), "sha256").hex()
