"""
Keys: `Key`, `KeyRing` and the `KeyProvider` protocol.

Keys always come from the host: a key file (`KeyRing.load`), an environment
variable holding the same JSON document (`KeyRing.from_env`), or a
`KeyProvider` the host writes for its KMS or vault (`KeyRing.from_provider`).
custdata has no default key.

A key ring maps short key ids to master keys of at least 32 random bytes, one of
them active. Transforms never use a master key directly: each derives its own
key with HKDF-SHA256 (salt ``b"custdata/v1"``, info = the transform name, a zero
byte and the NFC domain), so two transforms or two domains never share key
bytes. See docs/keys.md.

The key file format::

    {"version": 1, "active": "k1a2b3c4d", "keys": {"k1a2b3c4d": "<base64 of 32+ bytes>"}}

No key ever appears in a repr, a str, an exception or a log.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from custdata import _crypto
from custdata.errors import KeyRingError

__all__ = ["MIN_KEY_BYTES", "Key", "KeyProvider", "KeyRing"]

MIN_KEY_BYTES: Final = 32
"""The shortest master key accepted, in bytes (256 bits)."""

FORMAT_VERSION: Final = 1
"""The version of the key file format written by `KeyRing.dump`."""

_KEY_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
_FIELDS: Final = frozenset({"version", "active", "keys"})
_MAX_KEY_BYTES: Final = 1024
_log = logging.getLogger(__name__)


def _check_key_id(key_id: object) -> str:
    if not isinstance(key_id, str) or _KEY_ID.fullmatch(key_id) is None:
        msg = (
            "a key id must be 1 to 32 ASCII letters, digits or '-', not starting with '-'"
            " (it appears in pseudonyms and tokens)"
        )
        raise KeyRingError(msg)
    return key_id


def _validate_id(_instance: object, _attribute: object, value: Any) -> None:
    _check_key_id(value)


def _validate_secret(instance: object, _attribute: object, value: Any) -> None:
    key_id = getattr(instance, "id", "?")
    if not isinstance(value, bytes):
        msg = f"key {key_id!r}: the secret must be bytes"
        raise KeyRingError(msg)
    if len(value) < MIN_KEY_BYTES:
        msg = (
            f"key {key_id!r} is {len(value)} bytes long; at least {MIN_KEY_BYTES} random bytes"
            " are required"
        )
        raise KeyRingError(msg)
    if len(value) > _MAX_KEY_BYTES:
        msg = f"key {key_id!r} is longer than {_MAX_KEY_BYTES} bytes"
        raise KeyRingError(msg)


@attrs.frozen(kw_only=True)
class Key:
    """
    One master key: an id and at least 32 random bytes.

    The secret never appears in the repr or str, and does not take part in
    equality (two `Key` objects compare by id).

    Args:
        id: A short id (1 to 32 ASCII letters, digits or ``-``); it appears in
            pseudonyms and tokens, so that the key that made them can be found.
        secret: The key bytes, at least `MIN_KEY_BYTES` long.

    Raises:
        KeyRingError: If the id is malformed or the secret too short.

    Example:
        >>> key = Key(id="k1", secret=bytes(32))
        >>> key
        Key(id='k1')
    """

    id: str = attrs.field(validator=_validate_id)
    secret: bytes = attrs.field(repr=False, eq=False, validator=_validate_secret)

    @classmethod
    def generate(cls, *, key_id: str | None = None, size: int = MIN_KEY_BYTES) -> Key:
        """
        A new key of ``size`` bytes from `secrets.token_bytes`.

        Args:
            key_id: The id; by default ``"k"`` and 8 random hexadecimal digits.
            size: The key length in bytes, at least `MIN_KEY_BYTES`.

        Returns:
            The new key.

        Raises:
            KeyRingError: If ``size`` is too small or ``key_id`` malformed.
        """
        return cls(id=key_id or _new_key_id(), secret=secrets.token_bytes(size))


def _new_key_id() -> str:
    return "k" + secrets.token_hex(4)


def _keys_converter(keys: object) -> tuple[Key, ...]:
    if isinstance(keys, Mapping):
        items = list(keys.values())
    elif isinstance(keys, list | tuple):
        items = list(keys)
    else:
        msg = "keys must be a sequence of Key objects"
        raise KeyRingError(msg)
    if not all(isinstance(key, Key) for key in items):
        msg = "keys must be a sequence of Key objects"
        raise KeyRingError(msg)
    return tuple(items)


@runtime_checkable
class KeyProvider(Protocol):
    """
    What a host implements to serve keys from its KMS or vault.

    custdata calls `keys` and `active_key_id` once, in `KeyRing.from_provider`,
    and keeps the result in memory; call it again to pick up a rotation.
    See docs/keys.md for an example.
    """

    def keys(self) -> Mapping[str, bytes]:
        """
        Every key the host wants custdata to read with: key id -> key bytes.

        Returns:
            A mapping of key ids to master keys of at least 32 bytes.
        """
        ...

    def active_key_id(self) -> str:
        """
        The id of the key new pseudonyms and tokens are made with.

        Returns:
            A key id present in `keys`.
        """
        ...


@attrs.frozen(kw_only=True)
class KeyRing:
    """
    Master keys by id, one of them active.

    Transforms make new outputs with the active key and can still read (or
    re-key) outputs made with the others. A key ring is immutable: `rotate`
    returns a new one. Build it with `generate`, `load`, `from_env`,
    `from_json`, `from_mapping` or `from_provider`.

    Args:
        keys: The keys, with distinct ids.
        active: The id of the active key.

    Raises:
        KeyRingError: If the ring is empty, two keys share an id, or ``active``
            is not one of them.

    Example:
        >>> ring = KeyRing.generate(key_id="k1")
        >>> ring
        KeyRing(active='k1', ids=('k1',))
        >>> ring.rotate(key_id="k2").ids
        ('k1', 'k2')
    """

    keys: tuple[Key, ...] = attrs.field(converter=_keys_converter, repr=False, eq=False)
    active: str = attrs.field(validator=_validate_id)
    _by_id: Mapping[str, Key] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_id: dict[str, Key] = {}
        for key in self.keys:
            if key.id in by_id:
                msg = f"key id {key.id!r} appears twice in the key ring"
                raise KeyRingError(msg)
            by_id[key.id] = key
        if not by_id:
            msg = "a key ring needs at least one key"
            raise KeyRingError(msg)
        if self.active not in by_id:
            msg = f"the active key id {self.active!r} is not in the key ring"
            raise KeyRingError(msg)
        object.__setattr__(self, "_by_id", by_id)

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active!r}, ids={self.ids!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeyRing):
            return NotImplemented
        if self.active != other.active or self.ids != other.ids:
            return False
        return all(
            secrets.compare_digest(self[key_id].secret, other[key_id].secret) for key_id in self.ids
        )

    def __hash__(self) -> int:
        return hash((self.active, self.ids))

    # Access --------------------------------------------------------------------------

    @property
    def ids(self) -> tuple[str, ...]:
        """The key ids, in the order the keys were added (the oldest first)."""
        return tuple(self._by_id)

    @property
    def active_key(self) -> Key:
        """The active `Key`."""
        return self._by_id[self.active]

    def __getitem__(self, key_id: str) -> Key:
        """
        The key with this id.

        Args:
            key_id: A key id.

        Returns:
            The `Key`.

        Raises:
            KeyRingError: If no key has this id.
        """
        try:
            return self._by_id[key_id]
        except (KeyError, TypeError):
            msg = f"unknown key id {key_id!r}" if isinstance(key_id, str) else "unknown key id"
            raise KeyRingError(msg) from None

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._by_id

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def derive(
        self,
        transform_name: str,
        domain: str,
        length: int = _crypto.HMAC_KEY_BYTES,
        *,
        key_id: str | None = None,
    ) -> bytes:
        """
        The key of one transform and one domain, derived from a master key.

        HKDF-SHA256, salt ``b"custdata/v1"``, info = ``transform_name``, a zero
        byte and the NFC-normalised ``domain`` in UTF-8.

        Args:
            transform_name: The registry name of the transform.
            domain: The domain, such as ``"email"``.
            length: Bytes to derive: 32 for HMAC and FF1, 64 for AES-SIV.
            key_id: The master key to use; the active key by default.

        Returns:
            The derived key.

        Raises:
            KeyRingError: If ``key_id`` is unknown.
            custdata.PolicyError: If ``domain`` is empty or not valid Unicode
                text (it holds a lone surrogate).
        """
        # The domain is checked first: a bad one is a bad parameter, whatever the key id.
        _crypto.info_for(transform_name, domain)
        key = self.active_key if key_id is None else self[key_id]
        return _crypto.derive_key(key.secret, transform_name, domain, length)

    # Building ------------------------------------------------------------------------

    @classmethod
    def generate(cls, *, key_id: str | None = None, size: int = MIN_KEY_BYTES) -> KeyRing:
        """
        A new key ring holding one new random key, active.

        Args:
            key_id: The id of the key; by default ``"k"`` and 8 random hexadecimal digits.
            size: The key length in bytes, at least `MIN_KEY_BYTES`.

        Returns:
            The new key ring.
        """
        key = Key.generate(key_id=key_id, size=size)
        return cls(keys=(key,), active=key.id)

    @classmethod
    def from_mapping(cls, keys: Mapping[str, bytes], *, active: str) -> KeyRing:
        """
        A key ring from key ids and key bytes.

        Args:
            keys: Key id -> master key bytes.
            active: The id of the active key.

        Returns:
            The key ring.

        Raises:
            KeyRingError: If a key id or key is invalid, or ``active`` is missing.
        """
        return cls(
            keys=tuple(
                Key(id=_check_key_id(key_id), secret=secret) for key_id, secret in keys.items()
            ),
            active=active,
        )

    @classmethod
    def from_provider(cls, provider: KeyProvider) -> KeyRing:
        """
        A key ring from a host's `KeyProvider` (KMS, vault).

        Args:
            provider: The provider; asked once for its keys and active key id.

        Returns:
            The key ring.

        Raises:
            KeyRingError: If the provider gives invalid keys or an unknown active id.
        """
        return cls.from_mapping(dict(provider.keys()), active=provider.active_key_id())

    def rotate(self, *, key_id: str | None = None, size: int = MIN_KEY_BYTES) -> KeyRing:
        """
        A new key ring with a new random key, active; the old keys stay for reading.

        Args:
            key_id: The id of the new key; by default a new random id.
            size: The key length in bytes, at least `MIN_KEY_BYTES`.

        Returns:
            The new key ring (this one is unchanged).

        Raises:
            KeyRingError: If ``key_id`` is already in the ring.
        """
        if key_id is not None and key_id in self:
            msg = f"key id {key_id!r} is already in the key ring"
            raise KeyRingError(msg)
        new_id = key_id
        while new_id is None or new_id in self:
            new_id = _new_key_id()
        key = Key.generate(key_id=new_id, size=size)
        return KeyRing(keys=(*self.keys, key), active=key.id)

    # Serialisation ---------------------------------------------------------------------

    def to_json(self) -> str:
        """
        The key file document, as JSON text. It holds the keys: treat it as a secret.

        Returns:
            ``{"version": 1, "active": ..., "keys": {id: base64}}`` as JSON.
        """
        document = {
            "version": FORMAT_VERSION,
            "active": self.active,
            "keys": {key.id: base64.b64encode(key.secret).decode("ascii") for key in self.keys},
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> KeyRing:
        """
        A key ring from the key file document.

        Args:
            text: The JSON document, as written by `to_json` or `dump`.

        Returns:
            The key ring.

        Raises:
            KeyRingError: If the document is malformed, names a key id (or a
                field) twice, its version is not the integer 1, a key is not
                valid base64 or too short, or the active id is missing. The
                message never quotes the document.
        """
        try:
            document = json.loads(text, object_pairs_hook=_unique_members)
        except _DuplicateMemberError as exc:
            raise KeyRingError(exc.message) from None
        except (ValueError, UnicodeDecodeError):
            msg = "the key ring document is not valid JSON"
            raise KeyRingError(msg) from None
        if not isinstance(document, dict):
            msg = "the key ring document must be a JSON object"
            raise KeyRingError(msg)
        version = document.get("version")
        # ``true == 1`` and ``1.0 == 1`` in Python: only the integer 1 is version 1.
        if type(version) is not int or version != FORMAT_VERSION:
            msg = f"unsupported key ring version (expected the integer {FORMAT_VERSION})"
            raise KeyRingError(msg)
        active = document.get("active")
        keys = document.get("keys")
        if not isinstance(active, str):
            msg = "the key ring document needs an 'active' key id"
            raise KeyRingError(msg)
        if not isinstance(keys, dict) or not keys:
            msg = "the key ring document needs a non-empty 'keys' object"
            raise KeyRingError(msg)
        decoded: dict[str, bytes] = {}
        for key_id, encoded in keys.items():
            _check_key_id(key_id)
            if not isinstance(encoded, str):
                msg = f"key {key_id!r} must be a base64 string"
                raise KeyRingError(msg)
            try:
                decoded[key_id] = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                msg = f"key {key_id!r} is not valid base64"
                raise KeyRingError(msg) from None
        return cls.from_mapping(decoded, active=active)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyRing:
        """
        A key ring from a key file.

        Logs a warning (without any key material) if the file is readable by
        other users.

        Args:
            path: The key file, as written by `dump` or ``custdata keys new``.

        Returns:
            The key ring.

        Raises:
            KeyRingError: If the file cannot be read or is malformed.
        """
        file = Path(path)
        try:
            data = file.read_bytes()
            mode = file.stat().st_mode
        except OSError as exc:
            msg = f"cannot read the key file {str(file)!r}: {exc.strerror or type(exc).__name__}"
            raise KeyRingError(msg) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            _log.warning(
                "key file %s is accessible to other users (mode %o); use chmod 600",
                file,
                stat.S_IMODE(mode),
            )
        return cls.from_json(data)

    def dump(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """
        Write the key file, readable by its owner only (mode 0600).

        The file is written to a temporary name in the same directory and
        renamed, so a failure never leaves a half-written key file. With
        ``overwrite``, a ``path`` that is a symbolic link keeps pointing where it
        did: the file it points to is the one replaced.

        Args:
            path: Where to write.
            overwrite: Replace an existing file (by default, refuse).

        Raises:
            KeyRingError: If the file exists and ``overwrite`` is false, or it
                cannot be written.
        """
        _write_private_file(Path(path), self.to_json().encode("utf-8"), overwrite=overwrite)

    @classmethod
    def from_env(
        cls, var: str = "CUSTDATA_KEYS", *, environ: Mapping[str, str] | None = None
    ) -> KeyRing:
        """
        A key ring from an environment variable holding the key file document.

        Args:
            var: The variable name.
            environ: The environment to read (`os.environ` by default).

        Returns:
            The key ring.

        Raises:
            KeyRingError: If the variable is unset or its document is malformed.
        """
        env = os.environ if environ is None else environ
        text = env.get(var)
        if text is None:
            msg = f"the environment variable {var!r} is not set"
            raise KeyRingError(msg)
        return cls.from_json(text)


class _DuplicateMemberError(ValueError):
    """A JSON object of the key file names a member twice (JSON parsers keep the last)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            # Field names and key ids are not secret (key ids appear in outputs); any
            # other name is not shown.
            if name in _FIELDS:
                what = f"the field {name!r}"
            elif _KEY_ID.fullmatch(name):
                what = f"key id {name!r}"
            else:
                what = "a member name"
            msg = f"the key ring document holds {what} twice; each must appear once"
            raise _DuplicateMemberError(msg)
        members[name] = value
    return members


def _write_private_file(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """
    Write ``data`` atomically to ``path`` with mode 0600.

    When ``overwrite`` is true and ``path`` is a symbolic link, the file it
    points to is replaced (atomically, in its own directory) and the link stays.

    Args:
        path: The destination.
        data: The bytes to write.
        overwrite: Replace an existing file (by default, refuse).

    Raises:
        KeyRingError: If the file exists and ``overwrite`` is false, or the write fails.
    """
    if path.exists() and not overwrite:
        msg = f"{str(path)!r} already exists; refusing to overwrite a key file"
        raise KeyRingError(msg)
    shown = path
    if overwrite:
        # Replacing the link itself would turn it into a plain file, and leave the
        # file it points to (which other links may share) with the old keys.
        path = Path(os.path.realpath(path))
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp, path)
        else:
            # link() refuses to replace an existing file: no race with another writer.
            try:
                os.link(tmp, path)
            finally:
                os.unlink(tmp)
    except FileExistsError:
        msg = f"{str(shown)!r} already exists; refusing to overwrite a key file"
        raise KeyRingError(msg) from None
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        msg = f"cannot write {str(shown)!r}: {exc.strerror or type(exc).__name__}"
        raise KeyRingError(msg) from None
