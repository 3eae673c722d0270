"""Keyed pseudonyms: HMAC-SHA-256 of a canonical value, so that the same person gets the same
pseudonym in every run with the same key, and nobody without the key can recompute or reverse it.

A plain hash of an e-mail address or a 13-digit ID is not a pseudonym: anyone can hash every
candidate value and match. Hence the key is required and is never logged, printed or reported;
reports carry ``key_id``, a one-way fingerprint that only says whether two runs used the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from pydantic import SecretStr

from dgti_data.anonymise.detectors import digits_only
from dgti_data.errors import ConfigurationError

PREFIX = "p_"
HEX_CHARS = 16  # 64 bits: no collision expected below billions of distinct values
# The 64 bits are written with 16 consonants instead of hex digits: a pseudonym never holds a run
# of digits (p_3736869710459b4b held 13, which personal-data scanners flag as an ID) and no vowel
# (no word can form).
ALPHABET = "bcdfghjkmnpqrstv"
_FROM_HEX = str.maketrans("0123456789abcdef", ALPHABET)
PATTERN = f"{PREFIX}[b-df-hj-km-np-tv]{{{HEX_CHARS}}}"
MIN_KEY_LENGTH = 16
SECRET_BLOCK = "dgti-pseudonymisation-key"


class Pseudonymiser:
    """Holds the key as bytes for speed; its repr never shows it."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: SecretStr | None) -> None:
        if key is None:
            raise ConfigurationError(
                "a field is to be pseudonymised but no key is configured: set DGTI_PSEUDONYMISATION_KEY, "
                f"or keep it in a Prefect Secret block (the flows read {SECRET_BLOCK!r}; the CLI takes "
                "--key-block NAME); pseudonyms without a key could be reversed"
            )
        raw = key.get_secret_value()
        if len(raw) < MIN_KEY_LENGTH:
            raise ConfigurationError(
                f"the pseudonymisation key is shorter than {MIN_KEY_LENGTH} characters: use a long random "
                "secret (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        self._key = raw.encode("utf-8")
        self.key_id = hmac.new(self._key, b"dgti-data key id", hashlib.sha256).hexdigest()[:8]

    def __repr__(self) -> str:
        return f"Pseudonymiser(key_id={self.key_id!r})"

    def __call__(self, value: str, domain: str, kind: str | None = None) -> str:
        message = f"{domain}\x1f{canonical(value, kind)}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()[:HEX_CHARS]
        return PREFIX + digest.translate(_FROM_HEX)


def canonical(value: str, kind: str | None = None) -> str:
    """One spelling per value, so that formatting does not change the pseudonym.

    Phones and IDs compare by their digits (Thai digits folded); everything else by its NFC form,
    trimmed, with runs of spaces collapsed and case folded (e-mail addresses are case-insensitive
    in practice).
    """
    if kind in ("phone", "national_id"):
        digits = digits_only(value)
        if kind == "phone" and digits.startswith("66") and len(digits) in (10, 11):
            digits = "0" + digits[2:]
        return digits
    text = unicodedata.normalize("NFC", value)
    return re.sub(r"\s+", " ", text).strip().casefold()
