import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from travellers import pii

ID_NUMBER = "110105199001011234"


@pytest.fixture
def key_a(settings):
    settings.PII_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_OLD_KEYS = []
    settings.PII_HASH_KEY = ""
    return settings.PII_ENCRYPTION_KEY


def test_it_round_trips_text_through_encryption(key_a):
    for text in (ID_NUMBER, "13912345678", "E12345678", "张三丰"):
        assert pii.decrypt(pii.encrypt(text)) == text


def test_ciphertext_differs_from_plaintext_and_does_not_contain_it(key_a):
    first = pii.encrypt(ID_NUMBER)
    second = pii.encrypt(ID_NUMBER)
    assert ID_NUMBER not in first
    assert ID_NUMBER[-8:] not in first
    # A random IV per write: equal numbers cannot be spotted by equal tokens.
    assert first != second


def test_it_derives_a_working_development_key_from_the_secret_key(settings):
    settings.PII_ENCRYPTION_KEY = ""
    settings.PII_ENCRYPTION_OLD_KEYS = []
    settings.SECRET_KEY = "one development secret"
    token = pii.encrypt(ID_NUMBER)
    assert pii.decrypt(token) == ID_NUMBER
    settings.SECRET_KEY = "another development secret"
    with pytest.raises(pii.PIIDecryptionError):
        pii.decrypt(token)


def test_a_token_made_under_another_key_is_refused(settings, key_a):
    token = pii.encrypt(ID_NUMBER)
    settings.PII_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(pii.PIIDecryptionError):
        pii.decrypt(token)


def test_old_keys_still_decrypt_and_rotate_moves_tokens_to_the_current_key(settings, key_a):
    old_token = pii.encrypt(ID_NUMBER)
    settings.PII_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_OLD_KEYS = [key_a]
    assert pii.decrypt(old_token) == ID_NUMBER
    rotated = pii.rotate(old_token)
    settings.PII_ENCRYPTION_OLD_KEYS = []
    assert pii.decrypt(rotated) == ID_NUMBER
    with pytest.raises(pii.PIIDecryptionError):
        pii.decrypt(old_token)


def test_a_malformed_key_fails_loudly(settings):
    settings.PII_ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured):
        pii.encrypt(ID_NUMBER)


def test_keyed_hash_is_stable_and_depends_on_the_key(settings, key_a):
    digest = pii.keyed_hash(ID_NUMBER)
    assert digest == pii.keyed_hash(ID_NUMBER)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest != pii.keyed_hash("110105199001011235")
    assert digest != hashlib.sha256(ID_NUMBER.encode()).hexdigest()
    settings.PII_HASH_KEY = "a separate hash secret"
    assert pii.keyed_hash(ID_NUMBER) != digest


def test_keyed_hash_survives_rotation_when_the_hash_key_is_pinned(settings, key_a):
    settings.PII_HASH_KEY = key_a
    before = pii.keyed_hash(ID_NUMBER)
    settings.PII_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_OLD_KEYS = [key_a]
    assert pii.keyed_hash(ID_NUMBER) == before


def test_hash_key_is_not_the_raw_encryption_key(settings, key_a):
    # Distinct HKDF labels: the hash cannot be recomputed from the encryption key alone.
    raw = hmac.new(key_a.encode(), ID_NUMBER.encode(), hashlib.sha256).hexdigest()
    assert pii.keyed_hash(ID_NUMBER) != raw


def test_sealed_values_print_nothing_secret(key_a):
    sealed = pii.Sealed(pii.encrypt(ID_NUMBER))
    for shown in (repr(sealed), str(sealed), f"{sealed}", repr([sealed])):
        assert ID_NUMBER not in shown
        assert sealed.token not in shown
    assert sealed.reveal() == ID_NUMBER
    assert pii.plaintext(sealed) == ID_NUMBER
    assert pii.plaintext("13912345678") == "13912345678"
    assert pii.plaintext(None) == ""


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105199001011234", "1101**********1234"),
        ("11010519900101123X", "1101**********123X"),
        ("E12345678", "E*****678"),
        ("H1234567801", "H*******801"),
        ("12345678", "1****678"),
        ("AB123", "***23"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(value, masked):
    assert pii.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13912345678", "139****5678"), ("12345", "***45"), ("", "")],
)
def test_mask_phone(value, masked):
    assert pii.mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("王小明", "王*明"),
        ("王小宝", "王*宝"),
        ("阿依古丽·买买提", "阿*****提"),
        ("Zhang Sanfeng", "Zhang S."),
        ("john  michael smith", "john S."),
        ("Madonna", "M******"),
        ("  ", ""),
    ],
)
def test_mask_name(value, masked):
    assert pii.mask_name(value) == masked
