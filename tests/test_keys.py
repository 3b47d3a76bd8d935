"""Keys: derivation, HMAC state, key rings, key files and the ``custdata keys`` command."""

from __future__ import annotations

import ast
import base64
import hmac
import json
import logging
import os
import pickle
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from custdata import KeyRingError, PolicyError, _crypto
from custdata._crypto import MacState, derive_key, hkdf_sha256, info_for
from custdata.cli import main
from custdata.keys import MIN_KEY_BYTES, Key, KeyProvider, KeyRing

VECTORS = Path(__file__).parent / "vectors"
SECRET = bytes(range(100, 132))


def _load_rfc5869() -> list[dict[str, Any]]:
    document = json.loads((VECTORS / "rfc5869" / "hkdf_sha256.json").read_text("utf-8"))
    cases: list[dict[str, Any]] = document["cases"]
    return cases


def _load_rfc4231() -> list[dict[str, Any]]:
    document = json.loads((VECTORS / "rfc4231" / "hmac_sha256.json").read_text("utf-8"))
    cases: list[dict[str, Any]] = document["cases"]
    return cases


def _independent_derive(ikm: bytes, name: str, domain: str, length: int) -> bytes:
    info = name.encode() + b"\x00" + unicodedata.normalize("NFC", domain).encode()
    return HKDF(hashes.SHA256(), length, b"custdata/v1", info).derive(ikm)


class TestHkdfVectors:
    """RFC 5869 Appendix A, SHA-256 cases."""

    @pytest.mark.parametrize("case", _load_rfc5869(), ids=lambda c: c["id"])
    def test_okm(self, case: dict[str, Any]) -> None:
        """hkdf_sha256 gives the published OKM."""
        okm = hkdf_sha256(
            bytes.fromhex(case["ikm"]),
            salt=bytes.fromhex(case["salt"]),
            info=bytes.fromhex(case["info"]),
            length=case["length"],
        )
        assert case["okm"] == okm.hex()

    @pytest.mark.parametrize("case", _load_rfc5869(), ids=lambda c: c["id"])
    def test_cryptography_agrees(self, case: dict[str, Any]) -> None:
        """cryptography's HKDF gives the same OKM (the vectors were transcribed right)."""
        salt = bytes.fromhex(case["salt"]) or None
        kdf = HKDF(hashes.SHA256(), case["length"], salt, bytes.fromhex(case["info"]))
        assert case["okm"] == kdf.derive(bytes.fromhex(case["ikm"])).hex()

    @pytest.mark.parametrize("length", [0, 255 * 32 + 1])
    def test_length_out_of_range(self, length: int) -> None:
        """Output lengths outside 1..8160 are refused."""
        with pytest.raises(ValueError, match="between"):
            hkdf_sha256(SECRET, salt=b"s", info=b"i", length=length)


class TestMacStateVectors:
    """RFC 4231 section 4, HMAC-SHA-256 results."""

    @pytest.mark.parametrize("case", _load_rfc4231(), ids=lambda c: c["id"])
    def test_mac(self, case: dict[str, Any]) -> None:
        """MacState gives the published HMAC-SHA-256 (its prefix when truncated)."""
        tag = MacState(bytes.fromhex(case["key"])).digest(bytes.fromhex(case["data"]))
        assert case["mac"] == tag.hex()[: len(case["mac"])]

    @pytest.mark.parametrize("case", _load_rfc4231(), ids=lambda c: c["id"])
    def test_mac_batch(self, case: dict[str, Any]) -> None:
        """The batch loop gives the published HMAC-SHA-256 too, cut to its width."""
        data = bytes.fromhex(case["data"])
        tags = MacState(bytes.fromhex(case["key"])).hexdigests([data, data], len(case["mac"]))
        assert [case["mac"], case["mac"]] == tags

    @pytest.mark.parametrize("case", _load_rfc4231(), ids=lambda c: c["id"])
    def test_altered_message_differs(self, case: dict[str, Any]) -> None:
        """One flipped bit of the message gives another tag (an invalid vector)."""
        data = bytearray(bytes.fromhex(case["data"]))
        data[0] ^= 1
        tag = MacState(bytes.fromhex(case["key"])).digest(bytes(data))
        assert case["mac"] != tag.hex()[: len(case["mac"])]


class TestMacState:
    """The precomputed HMAC state."""

    @given(key=st.binary(max_size=200), data=st.binary(max_size=300))
    def test_equals_hmac(self, key: bytes, data: bytes) -> None:
        """digest equals hmac.digest for any key and message."""
        assert hmac.digest(key, data, "sha256") == MacState(key).digest(data)

    @given(
        key=st.binary(max_size=100),
        messages=st.lists(st.binary(max_size=100), max_size=5),
        width=st.integers(0, 64),
        prefix=st.text(max_size=5),
    )
    def test_hexdigests_batch(
        self, key: bytes, messages: list[bytes], width: int, prefix: str
    ) -> None:
        """hexdigests equals the prefixed, cut hexadecimal HMAC of each message, in order."""
        expected = [prefix + hmac.digest(key, m, "sha256").hex()[:width] for m in messages]
        assert expected == MacState(key).hexdigests(messages, width, prefix)

    def test_hexdigests_defaults(self) -> None:
        """By default hexdigests gives whole tags with no prefix."""
        state = MacState(SECRET)
        assert [state.digest(b"x").hex()] == state.hexdigests([b"x"])

    def test_public_apis_only(self) -> None:
        """_crypto imports only public modules, and nothing of custdata.keys, anywhere in it."""
        tree = ast.parse(Path(_crypto.__file__).read_text("utf-8"))
        imported = set()
        for node in ast.walk(tree):  # inside functions and TYPE_CHECKING blocks too
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        expected = {
            "__future__",
            "collections.abc",
            "cryptography.hazmat.primitives",
            "cryptography.hazmat.primitives.kdf.hkdf",
            "custdata.errors",
            "hashlib",
            "typing",
            "unicodedata",
        }
        assert expected == imported

    def test_pickles(self) -> None:
        """A pickled state gives the same tags."""
        state = MacState(SECRET)
        copy = pickle.loads(pickle.dumps(state))  # noqa: S301  # our own bytes
        assert state.digest(b"x") == copy.digest(b"x")

    def test_repr_hides_key(self) -> None:
        """The repr holds no key bytes."""
        text = repr(MacState(SECRET))
        assert SECRET.hex() not in text
        assert repr(SECRET) not in text


class TestDeriveKey:
    """The pinned custdata derivation."""

    @pytest.mark.parametrize("length", [32, 64])
    @pytest.mark.parametrize("domain", ["email", "café", "cafe\u0301", "x" * 300])
    def test_independent_computation(self, domain: str, length: int) -> None:
        """derive_key equals HKDF-SHA256 computed with cryptography from the documented inputs."""
        expected = _independent_derive(SECRET, "pseudonymise", domain, length)
        assert expected == derive_key(SECRET, "pseudonymise", domain, length)

    def test_nfc_domain(self) -> None:
        """Composed and decomposed spellings of a domain derive the same key."""
        assert derive_key(SECRET, "pseudonymise", "café") == derive_key(
            SECRET, "pseudonymise", "cafe\u0301"
        )

    def test_separation(self) -> None:
        """Two transforms or two domains never share key bytes."""
        keys = {
            derive_key(SECRET, name, domain)
            for name in ("pseudonymise", "tokenise")
            for domain in ("email", "phone")
        }
        assert len(keys) == 4

    def test_info(self) -> None:
        """info is the name, a zero byte and the NFC domain in UTF-8."""
        assert b"pseudonymise\x00caf\xc3\xa9" == info_for("pseudonymise", "cafe\u0301")

    @pytest.mark.parametrize(("name", "domain"), [("", "d"), ("a\x00b", "d"), ("n", "")])
    def test_refuses_ambiguous_inputs(self, name: str, domain: str) -> None:
        """An empty name or domain, or a zero byte in the name, is refused."""
        with pytest.raises(ValueError, match="must be non-empty"):
            derive_key(SECRET, name, domain)

    @pytest.mark.parametrize("domain", ["\ud800", "email\udfff", "\ud83d\ude00"])
    def test_refuses_domain_that_is_not_text(self, domain: str) -> None:
        """A domain with a lone surrogate is a PolicyError, not a raw UnicodeEncodeError."""
        ring = KeyRing.from_mapping({"k1": SECRET}, active="k1")
        calls = [
            lambda: info_for("pseudonymise", domain),
            lambda: derive_key(SECRET, "pseudonymise", domain),
            lambda: ring.derive("pseudonymise", domain, key_id="k1"),
            lambda: ring.derive("shift_date", domain),
            lambda: ring.derive("tokenise", domain, 64),
        ]
        for call in calls:
            with pytest.raises(PolicyError, match="domain must be valid Unicode text") as info:
                call()
            assert "policy_error" == info.value.code
            assert info.value.__cause__ is None
            assert domain not in str(info.value)

    @pytest.mark.parametrize("domain", [None, 3, b"email"])
    def test_refuses_domain_that_is_not_a_string(self, domain: object) -> None:
        """A domain that is not a string is a PolicyError naming the domain."""
        with pytest.raises(PolicyError, match="domain must be a string"):
            derive_key(SECRET, "pseudonymise", domain)  # type: ignore[arg-type]

    def test_domain_checked_before_key_id(self) -> None:
        """A bad domain is reported even with an unknown key id: it is the parameter at fault."""
        ring = KeyRing.from_mapping({"k1": SECRET}, active="k1")
        with pytest.raises(PolicyError):
            ring.derive("pseudonymise", "\ud800", key_id="nope")

    def test_from_key_ring(self) -> None:
        """A key ring derives from its active key, or from the key id given."""
        ring = KeyRing.from_mapping({"k1": SECRET, "k2": bytes(32)}, active="k2")
        assert derive_key(bytes(32), "t", "d") == ring.derive("t", "d")
        assert derive_key(SECRET, "t", "d") == ring.derive("t", "d", key_id="k1")
        assert derive_key(SECRET, "t", "d", 64) == ring.derive("t", "d", 64, key_id="k1")

    def test_unknown_key_id(self) -> None:
        """KeyRing.derive with a key id not in the ring is a KeyRingError."""
        ring = KeyRing.from_mapping({"k1": SECRET}, active="k1")
        with pytest.raises(KeyRingError, match="unknown key id"):
            ring.derive("t", "d", key_id="k2")


class TestKey:
    """One master key."""

    @pytest.mark.parametrize("size", [0, 16, MIN_KEY_BYTES - 1])
    def test_short_key_refused(self, size: int) -> None:
        """Keys shorter than 32 bytes are refused with a clear error."""
        with pytest.raises(KeyRingError, match="at least 32 random bytes") as info:
            Key(id="k1", secret=b"\x07" * size)
        assert "\\x07" not in str(info.value)

    @pytest.mark.parametrize("key_id", ["", "-k", "k_1", "k 1", "é", "k" * 33, 7])
    def test_bad_id_refused(self, key_id: object) -> None:
        """Key ids are 1 to 32 ASCII letters, digits or '-'."""
        with pytest.raises(KeyRingError, match="key id"):
            Key(id=key_id, secret=SECRET)  # type: ignore[arg-type]

    def test_repr_and_str_hide_secret(self) -> None:
        """Neither repr nor str shows the secret."""
        key = Key(id="k1", secret=SECRET)
        for text in (repr(key), str(key)):
            assert "Key(id='k1')" == text

    def test_generate(self) -> None:
        """generate makes distinct random keys of the requested size."""
        a, b = Key.generate(), Key.generate(size=48)
        assert (32, 48) == (len(a.secret), len(b.secret))
        assert a.secret != b.secret[:32]


class TestKeyRing:
    """Key rings: building, rotating, reading and writing."""

    def test_generate(self) -> None:
        """generate makes a ring with one active key."""
        ring = KeyRing.generate(key_id="k1")
        assert ("k1", ("k1",)) == (ring.active, ring.ids)
        assert MIN_KEY_BYTES == len(ring.active_key.secret)

    def test_rotate_keeps_old_keys(self) -> None:
        """rotate adds a new active key and keeps the old ones for reading."""
        ring = KeyRing.generate(key_id="k1")
        rotated = ring.rotate(key_id="k2")
        assert ("k2", ("k1", "k2")) == (rotated.active, rotated.ids)
        assert ring["k1"].secret == rotated["k1"].secret
        assert ("k1",) == ring.ids
        assert rotated.rotate().active not in {"k1", "k2"}

    def test_rotate_refuses_existing_id(self) -> None:
        """rotate refuses a key id already in the ring."""
        with pytest.raises(KeyRingError, match="already"):
            KeyRing.generate(key_id="k1").rotate(key_id="k1")

    def test_unknown_key_id(self) -> None:
        """An unknown key id raises KeyRingError."""
        with pytest.raises(KeyRingError, match="unknown key id"):
            KeyRing.generate(key_id="k1")["k9"]

    def test_invalid_rings(self) -> None:
        """Empty rings, duplicate ids and a missing active key are refused."""
        key = Key(id="k1", secret=SECRET)
        with pytest.raises(KeyRingError, match="at least one"):
            KeyRing(keys=(), active="k1")
        with pytest.raises(KeyRingError, match="twice"):
            KeyRing(keys=(key, key), active="k1")
        with pytest.raises(KeyRingError, match="not in the key ring"):
            KeyRing(keys=(key,), active="k2")

    def test_dump_and_load(self, tmp_path: Path) -> None:
        """dump writes a 0600 JSON file that load reads back."""
        ring = KeyRing.generate(key_id="k1").rotate(key_id="k2")
        path = tmp_path / "keys.json"
        ring.dump(path)
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)
        assert ring == KeyRing.load(path)
        document = json.loads(path.read_text("utf-8"))
        assert {"version": 1, "active": "k2"} == {k: document[k] for k in ("version", "active")}
        assert ring["k1"].secret == base64.b64decode(document["keys"]["k1"])
        assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]

    def test_dump_refuses_overwrite(self, tmp_path: Path) -> None:
        """dump refuses an existing file unless overwrite=True."""
        path = tmp_path / "keys.json"
        KeyRing.generate(key_id="k1").dump(path)
        other = KeyRing.generate(key_id="k2")
        with pytest.raises(KeyRingError, match="already exists"):
            other.dump(path)
        other.dump(path, overwrite=True)
        assert other == KeyRing.load(path)
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)

    def test_from_env(self) -> None:
        """from_env reads the key file document from a variable."""
        ring = KeyRing.generate(key_id="k1")
        assert ring == KeyRing.from_env("KEYS", environ={"KEYS": ring.to_json()})
        with pytest.raises(KeyRingError, match="not set"):
            KeyRing.from_env("KEYS", environ={})

    def test_from_env_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """from_env reads CUSTDATA_KEYS from os.environ by default."""
        ring = KeyRing.generate(key_id="k1")
        monkeypatch.setenv("CUSTDATA_KEYS", ring.to_json())
        assert ring == KeyRing.from_env()

    def test_from_provider(self) -> None:
        """from_provider builds a ring from a host's KeyProvider."""

        class Vault:
            def keys(self) -> dict[str, bytes]:
                return {"v1": SECRET, "v2": bytes(32)}

            def active_key_id(self) -> str:
                return "v2"

        assert isinstance(Vault(), KeyProvider)
        ring = KeyRing.from_provider(Vault())
        assert ("v2", ("v1", "v2")) == (ring.active, ring.ids)

    def test_equality(self) -> None:
        """Rings are equal when ids, active id and secrets are."""
        a = KeyRing.from_mapping({"k1": SECRET}, active="k1")
        assert a == KeyRing.from_mapping({"k1": SECRET}, active="k1")
        assert a != KeyRing.from_mapping({"k1": bytes(32)}, active="k1")
        assert hash(a) == hash(KeyRing.from_mapping({"k1": SECRET}, active="k1"))

    @pytest.mark.parametrize(
        ("document", "message"),
        [
            ("not json", "not valid JSON"),
            ("[]", "JSON object"),
            ('{"version": 2, "active": "k1", "keys": {"k1": ""}}', "version"),
            ('{"version": 1, "keys": {"k1": ""}}', "'active'"),
            ('{"version": 1, "active": "k1", "keys": {}}', "'keys'"),
            ('{"version": 1, "active": "k1", "keys": {"k1": 5}}', "base64 string"),
            ('{"version": 1, "active": "k1", "keys": {"k1": "!!secret!!"}}', "not valid base64"),
            ('{"version": 1, "active": "k1", "keys": {"k_1": "AAAA"}}', "key id"),
            ('{"version": 1, "active": "k2", "keys": {"k1": "%s"}}', "not in the key ring"),
            ('{"version": 1, "active": "k1", "keys": {"k1": "%s"}}', "32 random bytes"),
        ],
    )
    def test_malformed_documents(self, document: str, message: str) -> None:
        """Malformed documents raise KeyRingError without quoting the document."""
        key = base64.b64encode(SECRET if "k2" in document else SECRET[:16]).decode()
        text = document.replace("%s", key)
        with pytest.raises(KeyRingError, match=message) as info:
            KeyRing.from_json(text)
        assert "secret" not in str(info.value)
        assert key not in str(info.value)
        assert info.value.__cause__ is None

    @pytest.mark.parametrize(
        ("document", "message"),
        [
            (
                '{"version": 1, "active": "k1", "keys": {"k1": "%s", "k1": "%s"}}',
                "key id 'k1' twice",
            ),
            (
                '{"version": 1, "active": "k1", "active": "k1", "keys": {"k1": "%s"}}',
                "'active' twice",
            ),
            (
                '{"version": 1, "active": "k1", "keys": {"k1": "%s"}, "x y": 1, "x y": 2}',
                "a member",
            ),
            ('{"version": true, "active": "k1", "keys": {"k1": "%s"}}', "integer 1"),
            ('{"version": 1.0, "active": "k1", "keys": {"k1": "%s"}}', "integer 1"),
            ('{"version": "1", "active": "k1", "keys": {"k1": "%s"}}', "integer 1"),
        ],
    )
    def test_ambiguous_documents(self, document: str, message: str) -> None:
        """A key id or field given twice, or a version that only equals 1, is refused."""
        key = base64.b64encode(SECRET).decode()
        with pytest.raises(KeyRingError, match=message) as info:
            KeyRing.from_json(document.replace("%s", key))
        assert key not in str(info.value)
        assert info.value.__cause__ is None

    def test_duplicate_key_id_in_file(self, tmp_path: Path) -> None:
        """A key file naming a key id twice is refused, not loaded with the last one winning."""
        first, last = (base64.b64encode(s).decode() for s in (SECRET, bytes(32)))
        path = tmp_path / "keys.json"
        path.write_text(
            f'{{"version": 1, "active": "k1", "keys": {{"k1": "{first}", "k1": "{last}"}}}}',
            "utf-8",
        )
        path.chmod(0o600)
        with pytest.raises(KeyRingError, match="twice"):
            KeyRing.load(path)

    def test_dump_through_symlink(self, tmp_path: Path) -> None:
        """dump(overwrite=True) on a link replaces the file it points to, and keeps the link."""
        (tmp_path / "vault").mkdir()
        target = tmp_path / "vault" / "keys.json"
        KeyRing.generate(key_id="k1").dump(target)
        link = tmp_path / "keys.json"
        link.symlink_to(Path("vault") / "keys.json")
        other = KeyRing.generate(key_id="k2")
        other.dump(link, overwrite=True)
        assert link.is_symlink()
        assert other == KeyRing.load(target)
        assert 0o600 == stat.S_IMODE(target.stat().st_mode)
        assert ["keys.json"] == os.listdir(tmp_path / "vault")

    def test_load_missing_file(self, tmp_path: Path) -> None:
        """A missing key file raises KeyRingError."""
        with pytest.raises(KeyRingError, match="cannot read"):
            KeyRing.load(tmp_path / "nope.json")

    def test_no_key_bytes_anywhere(self, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        """No repr, str, error or log line holds key bytes, in any encoding."""
        ring = KeyRing.from_mapping({"k1": SECRET, "k2": bytes(range(32))}, active="k1")
        path = tmp_path / "keys.json"
        ring.dump(path)
        path.chmod(0o644)
        with caplog.at_level(logging.DEBUG):
            loaded = KeyRing.load(path)
        assert "other users" in caplog.text
        errors: list[str] = []
        for action in (
            lambda: loaded["zz"],
            lambda: loaded.rotate(key_id="k1"),
            lambda: ring.dump(path),
        ):
            with pytest.raises(KeyRingError) as info:
                action()
            errors.append(str(info.value))
        texts = [repr(ring), str(ring), repr(ring.keys), repr(loaded), caplog.text, *errors]
        for secret in (SECRET, bytes(range(32))):
            forms = [secret.hex(), base64.b64encode(secret).decode(), repr(secret)]
            for text in texts:
                assert not any(form in text for form in forms)


class TestKeysCommand:
    """``custdata keys new`` and ``custdata keys rotate``."""

    def test_new(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """new writes a 0600 key file with one key and prints only its id."""
        path = tmp_path / "keys.json"
        assert 0 == main(["keys", "new", "-o", str(path), "--key-id", "k1"])
        ring = KeyRing.load(path)
        assert ("k1",) == ring.ids
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)
        captured = capsys.readouterr()
        assert "" == captured.out
        assert "custdata keys: wrote" in captured.err
        assert "k1" in captured.err
        assert base64.b64encode(ring["k1"].secret).decode() not in captured.err

    def test_new_refuses_existing_file(self, tmp_path: Path) -> None:
        """new refuses to overwrite a key file (exit 2) unless --force."""
        path = tmp_path / "keys.json"
        assert 0 == main(["keys", "new", "-o", str(path)])
        before = path.read_bytes()
        assert 2 == main(["keys", "new", "-o", str(path)])
        assert before == path.read_bytes()
        assert 0 == main(["keys", "new", "-o", str(path), "--force"])
        assert before != path.read_bytes()

    def test_rotate(self, tmp_path: Path) -> None:
        """rotate adds a new active key and keeps the old one."""
        path = tmp_path / "keys.json"
        assert 0 == main(["keys", "new", "-o", str(path), "--key-id", "k1"])
        old = KeyRing.load(path)
        assert 0 == main(["keys", "rotate", str(path), "--key-id", "k2"])
        new = KeyRing.load(path)
        assert ("k2", ("k1", "k2")) == (new.active, new.ids)
        assert old["k1"].secret == new["k1"].secret
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)

    def test_open_key_file_warning_is_prefixed(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The library's warning about a key file others can read names the command."""
        path = tmp_path / "keys.json"
        assert 0 == main(["keys", "new", "-o", str(path)])
        path.chmod(0o644)
        capsys.readouterr()
        assert 0 == main(["keys", "rotate", str(path)])
        err = capsys.readouterr().err
        assert err.startswith("custdata keys: warning: key file ")
        assert "keys.json is accessible to other users (mode 644)" in err
        assert KeyRing.load(path).active_key.secret.hex() not in err

    def test_rotate_through_symlink(self, tmp_path: Path) -> None:
        """rotate on a link updates the file it points to, atomically, and keeps the link."""
        (tmp_path / "secrets").mkdir()
        target = tmp_path / "secrets" / "keys.json"
        assert 0 == main(["keys", "new", "-o", str(target), "--key-id", "k1"])
        link = tmp_path / "keys.json"
        link.symlink_to(target)
        assert 0 == main(["keys", "rotate", str(link), "--key-id", "k2"])
        assert link.is_symlink()
        assert target == link.resolve()
        rotated = KeyRing.load(target)
        assert ("k2", ("k1", "k2")) == (rotated.active, rotated.ids)
        assert 0o600 == stat.S_IMODE(target.stat().st_mode)
        assert ["keys.json"] == os.listdir(tmp_path / "secrets")
        assert ["keys.json", "secrets"] == sorted(os.listdir(tmp_path))

    def test_rotate_refuses_duplicate_key_ids(self, tmp_path: Path) -> None:
        """rotate on a file naming a key id twice exits with 2 and leaves the file as it was."""
        key = base64.b64encode(SECRET).decode()
        path = tmp_path / "keys.json"
        text = f'{{"version": 1, "active": "k1", "keys": {{"k1": "{key}", "k1": "{key}"}}}}'
        path.write_text(text, "utf-8")
        path.chmod(0o600)
        assert 2 == main(["keys", "rotate", str(path)])
        assert text == path.read_text("utf-8")

    def test_rotate_missing_file(self, tmp_path: Path) -> None:
        """rotate on a missing file exits with 2."""
        assert 2 == main(["keys", "rotate", str(tmp_path / "nope.json")])
        assert not os.listdir(tmp_path)
