"""The token cipher: every secret we store is a Fernet token under MultiFernet (first key encrypts, all decrypt)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CipherError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def generate_key() -> str:
    """A new random Fernet key, as text, for WASLACK_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode()


class TokenCipher:
    """Encrypts and decrypts stored secrets; ``rotate`` re-encrypts under the newest (first) key."""

    def __init__(self, keys: Sequence[str]):
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._primary = Fernet(keys[0].encode())
        self._multi = MultiFernet([Fernet(k.encode()) for k in keys])

    def __repr__(self) -> str:
        return "TokenCipher(<keys hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken:
            raise CipherError("stored secret does not decrypt with any configured key") from None

    def is_current(self, token: str) -> bool:
        """True when ``token`` is already encrypted under the primary key."""
        try:
            self._primary.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        try:
            return self._multi.rotate(token.encode()).decode()
        except InvalidToken:
            raise CipherError("stored secret does not decrypt with any configured key") from None
