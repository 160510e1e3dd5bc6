import pytest

from storage.cipher import CipherError, TokenCipher, generate_key


def test_round_trip_and_ciphertext_hides_the_value():
    cipher = TokenCipher([generate_key()])
    token = cipher.encrypt("EAAG-business-token")
    assert "EAAG" not in token
    assert cipher.decrypt(token) == "EAAG-business-token"


def test_old_keys_decrypt_and_rotate_moves_to_the_first_key():
    old, new = generate_key(), generate_key()
    stored = TokenCipher([old]).encrypt("secret")
    both = TokenCipher([new, old])
    assert both.decrypt(stored) == "secret"
    assert not both.is_current(stored)
    rotated = both.rotate(stored)
    assert both.is_current(rotated)
    assert TokenCipher([new]).decrypt(rotated) == "secret"
    with pytest.raises(CipherError):
        TokenCipher([old]).decrypt(rotated)


def test_unknown_key_gives_a_clear_error_without_the_ciphertext():
    stored = TokenCipher([generate_key()]).encrypt("secret")
    with pytest.raises(CipherError) as excinfo:
        TokenCipher([generate_key()]).decrypt(stored)
    assert stored not in str(excinfo.value)


def test_repr_hides_keys():
    key = generate_key()
    assert key not in repr(TokenCipher([key]))
