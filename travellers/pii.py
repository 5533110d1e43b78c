"""Personal data at rest: encryption, keyed hashes and masks.

Identity and phone numbers are stored as Fernet tokens (AES-128-CBC with an
HMAC-SHA256 tag and a random IV, so the same number never gives the same
token twice). Matching and duplicate detection use a keyed hash instead
(HMAC-SHA256), which is stable for a given hash key.

Keys, all from settings:

- ``PII_ENCRYPTION_KEY``: a Fernet key (urlsafe base64 of 32 random bytes,
  ``Fernet.generate_key()``). Empty in development: a key is then derived from
  ``SECRET_KEY`` with HKDF.
- ``PII_ENCRYPTION_OLD_KEYS``: earlier encryption keys, still accepted for
  decryption while rows are re-encrypted (``rotate``) to the current key.
- ``PII_HASH_KEY``: the keyed-hash secret. Empty: derived with HKDF from
  ``PII_ENCRYPTION_KEY`` (or ``SECRET_KEY`` in development) under a label of
  its own. The hashes change with it, so before rotating the encryption key
  set ``PII_HASH_KEY`` to the old encryption key's value to keep them.

The encryption and hash keys are always derived under distinct HKDF labels, so
knowing one never gives the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Changing a label changes every derived key: the stored data would no longer decrypt.
_ENCRYPTION_LABEL = b"entry-portal/pii/encryption/v1"
_HASH_LABEL = b"entry-portal/pii/keyed-hash/v1"


class PIIDecryptionError(Exception):
    """A stored token that no configured key can open (wrong key or corrupted data)."""


@dataclass(frozen=True, slots=True)
class Sealed:
    """An encrypted value as loaded from the database.

    Its ``repr``/``str`` never show the token or the plaintext, so a model or
    a value that ends up in a log or a template leaks nothing; ``reveal()``
    decrypts on demand (only where the plaintext is really needed).
    """

    token: str

    def reveal(self) -> str:
        return decrypt(self.token)

    def __repr__(self) -> str:
        return "Sealed(<encrypted>)"

    def __str__(self) -> str:
        return "<encrypted>"


def _hkdf(material: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(material)


def _fernet_from_setting(value: str, name: str) -> Fernet:
    try:
        return Fernet(value.encode("ascii"))
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            f"{name} is not a Fernet key (urlsafe base64 of 32 bytes; "
            "make one with `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        ) from exc


@lru_cache(maxsize=8)
def _keys(
    encryption_key: str, old_keys: tuple[str, ...], hash_key: str, secret_key: str
) -> tuple[MultiFernet, bytes]:
    if encryption_key:
        current = _fernet_from_setting(encryption_key, "PII_ENCRYPTION_KEY")
    else:
        derived = _hkdf(secret_key.encode("utf-8"), _ENCRYPTION_LABEL)
        current = Fernet(base64.urlsafe_b64encode(derived))
    older = [_fernet_from_setting(k, "PII_ENCRYPTION_OLD_KEYS") for k in old_keys if k]
    hash_material = hash_key or encryption_key or secret_key
    return MultiFernet([current, *older]), _hkdf(hash_material.encode("utf-8"), _HASH_LABEL)


def _current_keys() -> tuple[MultiFernet, bytes]:
    # Read the settings on every call (cached per value) so that overriding them
    # in a test or rotating them in a process takes effect.
    return _keys(
        getattr(settings, "PII_ENCRYPTION_KEY", "") or "",
        tuple(getattr(settings, "PII_ENCRYPTION_OLD_KEYS", ()) or ()),
        getattr(settings, "PII_HASH_KEY", "") or "",
        settings.SECRET_KEY,
    )


def encrypt(text: str) -> str:
    fernet, _ = _current_keys()
    return fernet.encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    fernet, _ = _current_keys()
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise PIIDecryptionError("stored personal data cannot be decrypted") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token made with an old key under the current key."""
    fernet, _ = _current_keys()
    try:
        return fernet.rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise PIIDecryptionError("stored personal data cannot be decrypted") from exc


def keyed_hash(text: str) -> str:
    """HMAC-SHA256 hex digest: equal inputs give equal digests under one hash key.

    Hash the normalised value (``travellers.identity``), or equal numbers typed
    differently will not match.
    """
    _, key = _current_keys()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def plaintext(value: Sealed | str | None) -> str:
    """The clear value of a model attribute, whether loaded (Sealed) or just assigned."""
    if value is None:
        return ""
    if isinstance(value, Sealed):
        return value.reveal()
    return value


def mask_id_number(value: str) -> str:
    """'110105199001011234' -> '1101**********1234'; shorter documents keep less."""
    value = value or ""
    n = len(value)
    if n >= 15:
        return value[:4] + "*" * (n - 8) + value[-4:]
    if n >= 8:
        return value[:1] + "*" * (n - 4) + value[-3:]
    if n > 4:
        return "*" * (n - 2) + value[-2:]
    return "*" * n


def mask_phone(value: str) -> str:
    """'13912345678' -> '139****5678'."""
    value = value or ""
    n = len(value)
    if n >= 8:
        return value[:3] + "*" * (n - 7) + value[-4:]
    if n > 4:
        return "*" * (n - 2) + value[-2:]
    return "*" * n


_NAME_SEPARATORS = re.compile(r"[\s·•.]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def mask_name(value: str) -> str:
    """'张三丰' -> '张*丰'; '张三' -> '张*'; 'Zhang Sanfeng' -> 'Zhang S.'; 'Madonna' -> 'M******'.

    Names written in several words keep the first word and the initial of the
    last one. A Chinese name of three characters or more keeps its first and last
    character: a family shares the surname, and '王**' for both 王小明 and 王小宝 on
    one form (their emails, the result page, a community's list) told them apart by
    reference only. Other one-word names keep their first character.
    """
    words = [w for w in _NAME_SEPARATORS.split((value or "").strip()) if w]
    if not words:
        return ""
    if len(words) > 1 and not _HAN.search(value):
        return f"{words[0]} {words[-1][0].upper()}."
    joined = "".join(words)
    if len(joined) >= 3 and _HAN.search(joined):
        return joined[0] + "*" * (len(joined) - 2) + joined[-1]
    return joined[0] + "*" * (len(joined) - 1)


class EncryptedTextField(models.TextField):
    """A text column that holds a Fernet token; the model attribute is a ``Sealed``.

    Assign the plaintext (a ``str``); on save it is encrypted, the attribute
    becomes a ``Sealed`` and, when ``hash_field`` names a field declared after
    this one, that field receives the keyed hash (``bulk_create`` included,
    since it runs ``pre_save`` too; ``bulk_update`` and ``update_fields``
    without the hash field do not, so update the hash yourself there).
    Loading never decrypts: call ``reveal()`` where the clear value is needed.
    Lookups on the column compare tokens, which are random per write: filter
    on the hash field instead. The empty string stays empty (no token).
    """

    def __init__(self, *args, hash_field: str | None = None, **kwargs):
        self.hash_field = hash_field
        # Never in a ModelForm or the admin's edit form: staff see masks, not fields.
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field:
            kwargs["hash_field"] = self.hash_field
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.hash_field:
            names = [f.name for f in self.model._meta.concrete_fields]
            if self.hash_field not in names or names.index(self.hash_field) < names.index(
                self.name
            ):
                errors.append(
                    checks.Error(
                        f"hash_field {self.hash_field!r} must be a field declared after "
                        f"{self.name!r}.",
                        obj=self,
                        id="travellers.E001",
                    )
                )
        return errors

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return Sealed(value)

    def to_python(self, value):
        if value is None or isinstance(value, Sealed):
            return value
        return str(value)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, Sealed) or value is None:
            return value
        value = str(value)
        if self.hash_field:
            setattr(model_instance, self.hash_field, keyed_hash(value) if value else "")
        if not value:
            return value
        sealed = Sealed(encrypt(value))
        # The instance keeps no plaintext once it has been saved.
        setattr(model_instance, self.attname, sealed)
        return sealed

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        if isinstance(value, Sealed):
            return value.token
        return encrypt(str(value))

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.token if isinstance(value, Sealed) else (value or "")
