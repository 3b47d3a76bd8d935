"""Applying bound policies: reconciliation, rejects, leaks, keys, binding, reversing, audits."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.policy.strategies import contact_policies
from tests.policy.support import KEY_BYTES, KEYS, MARKER, OTHER_KEYS, TODAY

from custdata import Contact, Policy, PolicyError, ValidationError
from custdata.io import Reject, Row, open_reader, open_rejects_writer, open_writer
from custdata.keys import KeyRing
from custdata.model import flat_columns, to_flat
from custdata.policy import BoundPolicy
from custdata.synthetic import generate
from custdata.testing import arbitrary_values, messy_contacts

HEADER = "contact_id,given_name,family_name,email,phone,birth_date,note\n"

# Row numbers are data rows (the header is not counted).
BROKEN_ROWS = [
    "C1,Jeanne,Martin,jeanne.martin@example.com,+33612345678,1980-01-02,hello\n",  # 1 good
    "C2,Paul,Durand,paul.durand@example.com\n",  # 2 too few cells
    "C3,Anne,Petit,anne.petit@example.com,+33612345670,not-a-date,x\n",  # 3 bad date
    ",Marc,Roux,marc.roux@example.com,+33612345671,1990-13-01,x\n",  # 4 two issues
    f"C5,{MARKER},Leroy,jules.leroy@example.com,+33612345672,1970-05-05,x\n",  # 5 refused
    "C6,Léa,Moreau,lea.moreau@example.com,+33612345673,1999-09-09,x\n",  # 6 good
    "C7,Hugo,Fournier,not-an-email,+33612345674,2001-01-01,x\n",  # 7 invalid, kept
    "C8,Eva,Girard,eva.girard@example.com,+33612345675,1960-06-06,x,surplus\n",  # 8 too many
]

CHECKED = {
    "contact_id": {"transform": "pseudonymise", "domain": "test/contact_id"},
    "given_name": "ptest_refuse_marker",
    "email": {"transform": "pseudonymise", "domain": "test/email"},
    "phone": "mask_phone",
    "birth_date": "age_band",
}


def _policy(fields: dict[str, object] | None = None, **kwargs: object) -> Policy:
    return Policy(name="t", record_type="contact", fields=fields or CHECKED, **kwargs)  # type: ignore[arg-type]


def _bound(**kwargs: object) -> BoundPolicy:
    return _policy().bind(keys=KEYS, today=TODAY, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def broken_csv(tmp_path: Path) -> Path:
    """A CSV file of contacts with broken rows (see BROKEN_ROWS)."""
    path = tmp_path / "contacts.csv"
    path.write_text(HEADER + "".join(BROKEN_ROWS), encoding="utf-8")
    return path


def _rows(path: Path, *, keep_extra: bool = False, batch_size: int = 3) -> Iterator[Row]:
    with open_reader(
        path, record_type=Contact, keep_extra=keep_extra, batch_size=batch_size
    ) as reader:
        yield from itertools.chain.from_iterable(reader)


def _split(results: Iterable[object]) -> tuple[list[dict[str, object]], list[Reject]]:
    out: list[dict[str, object]] = []
    rejects: list[Reject] = []
    for item in results:
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            assert isinstance(item, dict)
            out.append(item)
    return out, rejects


class TestReconciliation:
    """A file with broken rows: every row is accounted for, in order, with every issue."""

    @pytest.mark.parametrize("batch_size", [1, 2, 10_000])
    def test_rows_in_equal_rows_out_plus_rejects(self, broken_csv: Path, batch_size: int) -> None:
        """rows in = rows out + rejects, in the run's counts and in its audit."""
        run = _bound().apply_many(_rows(broken_csv), batch_size=batch_size)
        out, rejects = _split(run)
        assert (8, 3, 5) == (run.read, len(out), len(rejects))
        assert (run.written, run.rejected) == (len(out), len(rejects))
        audit = run.audit
        assert (8, 3, 5) == (audit.rows_read, audit.rows_written, audit.rows_rejected)

    def test_input_order(self, broken_csv: Path) -> None:
        """Rows and rejects come in input order, each reject with its row number."""
        run = _bound().apply_many(_rows(broken_csv), batch_size=3)
        kinds = ["reject" if isinstance(item, Reject) else "row" for item in run]
        expected = ["row", "reject", "reject", "reject", "reject", "row", "row", "reject"]
        assert expected == kinds
        _, rejects = _split(_bound().apply_many(_rows(broken_csv)))
        assert [2, 3, 4, 5, 8] == [reject.row for reject in rejects]

    def test_every_issue_of_the_row(self, broken_csv: Path) -> None:
        """Each reject lists every issue of its row, with its field and code."""
        _, rejects = _split(_bound().apply_many(_rows(broken_csv)))
        issues = {reject.row: [(i.path, i.code) for i in reject.issues] for reject in rejects}
        assert [("", "wrong_column_count")] == issues[2]
        assert [("birth_date", "invalid_date")] == issues[3]
        assert [("contact_id", "missing"), ("birth_date", "invalid_date")] == issues[4]
        assert [("given_name", "marker_refused")] == issues[5]
        assert [("", "wrong_column_count")] == issues[8]

    def test_no_values_unless_asked(self, broken_csv: Path) -> None:
        """Rejects hold no values and no extra columns by default."""
        _, rejects = _split(_bound().apply_many(_rows(broken_csv, keep_extra=True)))
        assert [({}, {})] * 5 == [(dict(r.values), dict(r.extra)) for r in rejects]

    def test_values_when_asked(self, broken_csv: Path) -> None:
        """With reject_values=True a reject holds the row's values and extra columns as read."""
        rows = list(_rows(broken_csv, keep_extra=True))
        run = _bound().apply_many(rows, reject_values=True)
        _, rejects = _split(run)
        by_number = {row.number: row for row in rows}
        for reject in rejects:
            assert dict(by_number[reject.row].values) == dict(reject.values)
            assert dict(by_number[reject.row].extra) == dict(reject.extra)
        assert "Leroy" == rejects[3].values["family_name"]

    def test_refused_value_rejects_its_row_only(self) -> None:
        """A value a transform refuses rejects its row; the rest of the batch is protected."""
        rows = [
            {"contact_id": "A", "given_name": "Ann"},
            {"contact_id": "B", "given_name": f"x{MARKER}x"},
            {"contact_id": "C", "given_name": "Cy"},
        ]
        results = list(_bound().apply_many(rows, batch_size=10))
        assert isinstance(results[1], Reject)
        assert 2 == results[1].row
        assert ["Ann", "Cy"] == [r["given_name"] for r in results if isinstance(r, dict)]

    def test_refused_values_in_two_fields(self) -> None:
        """A row with values refused in two fields lists both."""
        policy = _policy({**CHECKED, "family_name": "ptest_refuse_marker"})
        row = {"contact_id": "A", "given_name": MARKER, "family_name": MARKER}
        (reject,) = policy.bind(keys=KEYS, today=TODAY).apply_many([row])
        assert isinstance(reject, Reject)
        assert ["given_name", "family_name"] == [issue.path for issue in reject.issues]

    def test_invalid_and_refused_with_reject_invalid(self) -> None:
        """With reject_invalid, a row with an invalid value and a refused one lists both issues."""
        row = {"contact_id": "A", "given_name": MARKER, "email": "not-an-email"}
        (reject,) = _bound(reject_invalid=True).apply_many([row])
        assert isinstance(reject, Reject)
        codes = {(issue.path, issue.code) for issue in reject.issues}
        assert {("email", "invalid_email"), ("given_name", "marker_refused")} <= codes

    def test_refused_row_lists_its_invalid_values(self) -> None:
        """A row rejected for a refused value lists its invalid values too; the audit counts why."""
        row = {"contact_id": "A", "given_name": MARKER, "email": "not-an-email"}
        run = _bound().apply_many([row])
        (reject,) = run
        assert isinstance(reject, Reject)
        codes = [(issue.path, issue.code) for issue in reject.issues]
        assert [("email", "invalid_email"), ("given_name", "marker_refused")] == codes
        assert {"marker_refused": 1} == run.audit.rejects
        assert {"email": {"invalid_email": 1}} == run.audit.invalid

    def test_shape_reject_lists_invalid_released_values(self) -> None:
        """A row that cannot become a record lists its released fields' invalid values too."""
        row = {
            "contact_id": "A",
            "birth_date": "not a date",
            "email": "not-an-email",
            "phone": "0612",  # invalid, but the policy drops it: not the release's concern
        }
        policy = _policy({"email": "pseudonymise", "birth_date": "keep"})
        run = policy.bind(keys=KEYS, today=TODAY).apply_many([row])
        (reject,) = run
        assert isinstance(reject, Reject)
        codes = [(issue.path, issue.code) for issue in reject.issues]
        assert [("email", "invalid_email"), ("birth_date", "invalid_date")] == codes
        assert {"invalid_date": 1} == run.audit.rejects
        assert {"email": {"invalid_email": 1}} == run.audit.invalid

    def test_reject_invalid(self, broken_csv: Path) -> None:
        """With reject_invalid, a row with an invalid value is rejected instead of protected."""
        run = _bound(reject_invalid=True).apply_many(_rows(broken_csv))
        _, rejects = _split(run)
        assert [2, 3, 4, 5, 7, 8] == [reject.row for reject in rejects]
        assert [("email", "invalid_email")] == [(i.path, i.code) for i in rejects[4].issues]
        assert {"email": {"invalid_email": 1}} == run.audit.invalid

    def test_invalid_protected_by_default(self, broken_csv: Path) -> None:
        """By default an invalid value is protected as given and counted by field and code."""
        run = _bound().apply_many(_rows(broken_csv))
        out, _ = _split(run)
        assert str(out[2]["email"]).startswith("pse_test-1_")
        assert {"email": {"invalid_email": 1}} == run.audit.invalid

    def test_invalid_dropped_value_is_not_counted(self) -> None:
        """An invalid value of a field the policy drops neither rejects its row nor counts."""
        bound = _policy({"contact_id": "keep"}).bind(today=TODAY, reject_invalid=True)
        run = bound.apply_many([{"contact_id": "A", "email": "not-an-email"}])
        assert [{"contact_id": "A"}] == list(run)
        assert {} == run.audit.invalid

    def test_streams_lazily(self) -> None:
        """Rows are read a batch at a time: an endless input yields its first rows."""
        endless = ({"contact_id": f"C{i}"} for i in itertools.count())
        run = _bound().apply_many(endless, batch_size=10)
        first = list(itertools.islice(run, 25))
        assert 25 == len(first)
        assert 30 == run.read
        assert not run.done
        assert 30 == run.audit.rows_read

    def test_strict_raises(self, broken_csv: Path) -> None:
        """strict=True raises ValidationError on the first reject."""
        run = _bound().apply_many(_rows(broken_csv), strict=True)
        first = next(run)
        assert isinstance(first, dict)
        with pytest.raises(ValidationError) as info:
            next(run)
        assert ["wrong_column_count"] == [issue.code for issue in info.value.issues]

    def test_apply_raises_on_a_refused_value(self) -> None:
        """apply() raises ValidationError for a row it would reject, naming the field."""
        with pytest.raises(ValidationError) as info:
            _bound().apply({"contact_id": "A", "given_name": MARKER})
        assert ["given_name"] == [issue.path for issue in info.value.issues]
        assert MARKER not in str(info.value)

    def test_bad_batch_size(self) -> None:
        """batch_size must be a positive whole number."""
        with pytest.raises(ValueError, match="batch_size"):
            _bound().apply_many([], batch_size=0)

    def test_other_input_kinds(self) -> None:
        """Records, flat and nested mappings give the same rows."""
        contact = generate(3, seed=1).contacts[0]
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        from custdata.model import to_dict

        rows = list(bound.apply_many([contact, to_flat(contact), to_dict(contact)]))
        assert rows[0] == rows[1] == rows[2]
        with pytest.raises(TypeError, match="apply_many takes Contact records"):
            list(bound.apply_many([42]))


def _secrets(contacts: list[Contact]) -> set[str]:
    out: set[str] = set()
    for contact in contacts:
        for value in (contact.email, contact.phone, contact.family_name):
            if value:
                out.add(value)
                out.add(value.lower())
    return out


class TestLeak:
    """No input email, phone or family name leaves through partner-share: rows, audit, rejects."""

    def test_nothing_leaks(self, tmp_path: Path) -> None:
        """Outputs, audit JSON and rejects files (CSV and JSONL) hold none of them."""
        contacts = list(generate(150, seed=4, dirty=0.2, duplicates=0.1, today=TODAY).contacts)
        columns = flat_columns(Contact)
        flat = [to_flat(contact) for contact in contacts]
        broken = []
        for i, row in enumerate(flat[:20]):
            cells = {**row, "contact_id": None} if i % 2 else {**row, "birth_date": "31/02/1990"}
            broken.append(cells)
        path = tmp_path / "in.csv"
        with open_writer(path, columns=[*columns, "note"]) as writer:
            writer.write_rows([{**row, "note": row["email"]} for row in [*flat, *broken]])
        secrets = _secrets(contacts)
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        run = bound.apply_many(_rows(path, keep_extra=True, batch_size=64))
        out, rejects = _split(run)
        assert (len(contacts), 20) == (len(out), len(rejects))
        output = tmp_path / "out.csv"
        with open_writer(output, columns=bound.output_columns) as writer:
            writer.write_rows(out)
        texts = {
            "output": output.read_text(encoding="utf-8"),
            "rows": json.dumps(out, default=str, ensure_ascii=False),
            "audit": run.audit.to_json(),
        }
        for suffix in ("csv", "jsonl"):
            rejects_path = tmp_path / f"rejects.{suffix}"
            with open_rejects_writer(rejects_path, columns=columns) as writer:
                writer.write(rejects)
            texts[suffix] = rejects_path.read_text(encoding="utf-8")
        assert ["note"] == list(run.audit.columns_not_passed)
        for name, text in texts.items():
            leaked = sorted(secret for secret in secrets if secret in text)
            assert [] == leaked, name

    def test_the_check_sees_a_leak(self, tmp_path: Path) -> None:
        """Rejects written with their values (reject_values=True) do hold them: the check works."""
        contacts = list(generate(20, seed=4, today=TODAY).contacts)
        rows = [{**to_flat(contact), "birth_date": "31/02/1990"} for contact in contacts]
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        _, rejects = _split(bound.apply_many(rows, reject_values=True))
        path = tmp_path / "rejects.csv"
        with open_rejects_writer(path, columns=flat_columns(Contact)) as writer:
            writer.write(rejects)
        text = path.read_text(encoding="utf-8")
        assert [] != [secret for secret in _secrets(contacts) if secret in text]


class TestKeys:
    """Pseudonyms depend on the keys and only on them."""

    def _json(self, keys: KeyRing) -> bytes:
        contacts = generate(30, seed=9).contacts
        bound = Policy.builtin("partner-share").bind(keys=keys, today=TODAY)
        return json.dumps(list(bound.apply_many(contacts)), default=str).encode()

    def test_same_keys_same_bytes(self) -> None:
        """Two key rings from the same bytes give byte-identical outputs."""
        again = KeyRing.from_mapping({"test-1": bytes(KEY_BYTES)}, active="test-1")
        assert self._json(KEYS) == self._json(again)

    def test_other_keys_other_bytes(self) -> None:
        """Other key bytes, even under the same key id, give other pseudonyms for every row."""
        same_id = KeyRing.from_mapping({"test-1": bytes(range(100, 132))}, active="test-1")
        contacts = generate(30, seed=9).contacts
        policy = Policy.builtin("partner-share")
        first = list(policy.bind(keys=KEYS, today=TODAY).apply_many(contacts))
        for keys in (same_id, OTHER_KEYS):
            other = list(policy.bind(keys=keys, today=TODAY).apply_many(contacts))
            for a, b in zip(first, other, strict=True):
                assert isinstance(a, dict)
                assert isinstance(b, dict)
                assert a["contact_id"] != b["contact_id"]
                assert a["email"] is None or a["email"] != b["email"]
                assert a["phone"] == b["phone"]  # a mask takes no key
        assert self._json(KEYS) != self._json(OTHER_KEYS)


class TestNormalise:
    """Records are normalised before protection, unless normalise=False."""

    ROWS = (
        {"contact_id": "A", "email": " Jeanne.Martin@Example.COM", "phone": "06 12 34 56 78"},
        {"contact_id": "B", "email": "jeanne.martin@example.com", "phone": "+33612345678"},
    )

    def test_two_spellings_one_pseudonym(self) -> None:
        """The same email in two spellings gives one pseudonym, one phone one mask."""
        first, second = _bound().apply_many(self.ROWS)
        assert isinstance(first, dict)
        assert isinstance(second, dict)
        assert first["email"] == second["email"]
        assert first["phone"] == second["phone"]

    def test_not_normalised(self) -> None:
        """normalise=False protects values as given: two spellings, two pseudonyms."""
        first, second = _bound(normalise=False).apply_many(self.ROWS)
        assert isinstance(first, dict)
        assert isinstance(second, dict)
        assert first["email"] != second["email"]
        assert first["phone"] != second["phone"]

    def test_keep_is_normalised(self) -> None:
        """A kept value is released normalised."""
        bound = _policy({"email": "keep"}).bind(today=TODAY)
        assert {"email": "jeanne.martin@example.com"} == bound.apply(self.ROWS[0])


class TestBind:
    """bind builds every transform with the real keys and dates."""

    def test_keyed_without_keys(self) -> None:
        """A keyed transform without keys fails at bind, naming the policy and field."""
        with pytest.raises(PolicyError) as info:
            Policy.builtin("partner-share").bind(today=TODAY)
        assert ("partner-share", "contact_id") == (info.value.source, info.value.field)
        assert "needs keys" in info.value.problem

    def test_dated_without_date(self) -> None:
        """A dated rule without a reference in the policy or a today at bind fails."""
        with pytest.raises(PolicyError) as info:
            _policy({"birth_date": "age_band"}).bind()
        assert "birth_date" == info.value.field
        assert "reference date" in info.value.problem

    def test_unkeyed_undated_binds_bare(self) -> None:
        """A policy with neither keyed nor dated rules binds without keys or today."""
        bound = _policy({"phone": "mask_phone"}).bind()
        assert {"phone": "+33*******78"} == bound.apply(
            {"contact_id": "A", "phone": "+33612345678"}
        )

    def test_reference_from_today(self) -> None:
        """Without a reference in the policy, dated rules use today."""
        bound = _policy({"birth_date": "age_band"}).bind(today=TODAY)
        assert TODAY == bound.reference
        assert {"birth_date": "40-49"} == bound.apply(
            {"contact_id": "A", "birth_date": "1980-06-01"}
        )

    def test_reference_from_policy(self) -> None:
        """A reference in the policy wins over today, and is in the audit."""
        policy = _policy({"birth_date": "age_band"}, reference=dt.date(2000, 1, 1))
        bound = policy.bind(today=TODAY)
        assert dt.date(2000, 1, 1) == bound.reference
        run = bound.apply_many([{"contact_id": "A", "birth_date": "1980-06-01"}])
        assert [{"birth_date": "10-19"}] == list(run)
        assert (TODAY, dt.date(2000, 1, 1)) == (run.audit.today, run.audit.reference)
        assert {"birth_date": "10-19"} == policy.bind().apply(
            {"contact_id": "A", "birth_date": "1980-06-01"}
        )

    def test_bad_arguments(self) -> None:
        """Keys that are not a KeyRing, or a today that is a datetime, are TypeErrors."""
        policy = Policy.builtin("partner-share")
        with pytest.raises(TypeError):
            policy.bind(keys={"k": KEY_BYTES}, today=TODAY)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            policy.bind(keys=KEYS, today=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    def test_repr_has_no_key(self) -> None:
        """A bound policy's repr names its policy and key ids, never a key byte."""
        text = repr(Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY))
        assert "partner-share" in text
        assert "test-1" in text
        assert KEY_BYTES.hex() not in text


PURCHASES = Policy(
    name="purchases",
    record_type="purchase",
    fields={
        "purchase_id": "keep",
        "contact_id": {"transform": "pseudonymise", "domain": "purchases/contact_id"},
        "purchased_at": {"transform": "shift_date", "max_days": 60, "subject_field": "contact_id"},
    },
)


class TestReverse:
    """reverse restores tokens, shifted dates and encrypted values, and leaves the rest."""

    def test_support_view_token(self) -> None:
        """A supervisor gets the contact id back; masks and names stay as they are."""
        contact = generate(5, seed=2).contacts[0]
        bound = Policy.builtin("support-view").bind(keys=KEYS, today=TODAY)
        row = bound.apply(contact)
        assert row["contact_id"] != contact.contact_id
        restored = bound.reverse(row)
        assert contact.contact_id == restored["contact_id"]
        assert {**row, "contact_id": contact.contact_id} == restored

    def test_shifted_dates_keyed_on_the_pseudonym(self) -> None:
        """Dates shifted on the released contact id come back; the pseudonym stays."""
        purchases = generate(10, seed=6).purchases[:20]
        bound = PURCHASES.bind(keys=KEYS)
        for purchase in purchases:
            row = bound.apply(purchase)
            assert row["purchased_at"] != purchase.purchased_at
            restored = bound.reverse(row)
            assert purchase.purchased_at == restored["purchased_at"]
            assert row["contact_id"] == restored["contact_id"]

    def test_shift_keeps_intervals_of_one_contact(self) -> None:
        """Two purchases of one contact keep their interval."""
        bound = PURCHASES.bind(keys=KEYS)
        base = {"contact_id": "C1", "total.amount": "10.00", "total.currency": "EUR"}
        first = bound.apply({**base, "purchase_id": "P1", "purchased_at": "2025-03-01T10:00:00Z"})
        second = bound.apply({**base, "purchase_id": "P2", "purchased_at": "2025-03-15T10:00:00Z"})
        assert dt.timedelta(days=14) == second["purchased_at"] - first["purchased_at"]  # type: ignore[operator]

    def test_shift_keyed_on_a_token(self) -> None:
        """With a tokenised subject, reverse unshifts from the token, then restores the id."""
        policy = Policy(
            name="purchases",
            record_type="purchase",
            fields={
                "contact_id": "tokenise",
                "purchased_at": {
                    "transform": "shift_date",
                    "max_days": 60,
                    "subject_field": "contact_id",
                },
            },
        )
        bound = policy.bind(keys=KEYS)
        for purchase in generate(10, seed=6).purchases[:10]:
            restored = bound.reverse(bound.apply(purchase))
            expected = {"contact_id": purchase.contact_id, "purchased_at": purchase.purchased_at}
            assert expected == restored

    def test_format_preserving(self) -> None:
        """A phone encrypted with format-preserving encryption comes back normalised."""
        policy = _policy({"phone": {"transform": "format_preserving", "keep_country_code": True}})
        bound = policy.bind(keys=KEYS, today=TODAY)
        row = bound.apply({"contact_id": "A", "phone": "06 12 34 56 78"})
        assert row["phone"] != "+33612345678"
        assert {"phone": "+33612345678"} == bound.reverse(row)

    def test_after_rotation_with_key_id(self) -> None:
        """After the ring rotates, key_id reverses shifted dates and FPE made with the old key."""
        policy = Policy(
            name="purchases",
            record_type="purchase",
            fields={
                "contact_id": "pseudonymise",
                "purchase_id": "format_preserving",
                "purchased_at": {
                    "transform": "shift_date",
                    "max_days": 60,
                    "subject_field": "contact_id",
                },
            },
        )
        purchase = {
            "purchase_id": "4242424242",
            "contact_id": "C1",
            "purchased_at": "2025-03-01T10:00:00+00:00",
            "total.amount": "1",
            "total.currency": "EUR",
        }
        row = policy.bind(keys=KEYS).apply(purchase)
        rotated = policy.bind(keys=KEYS.rotate(key_id="test-new"))
        restored = rotated.reverse(row, key_id="test-1")
        assert "4242424242" == restored["purchase_id"]
        assert dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC) == restored["purchased_at"]
        assert row["contact_id"] == restored["contact_id"]
        assert restored != rotated.reverse(row)  # the new active key gives other values

    def test_pseudonyms_and_masks_stay(self) -> None:
        """partner-share has nothing reversible: reverse changes nothing."""
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        row = bound.apply(generate(3, seed=2).contacts[0])
        assert row == bound.reverse(row)

    def test_rows_read_back_from_csv(self, tmp_path: Path) -> None:
        """Rows written to CSV and read back (ISO strings) reverse like the originals."""
        purchases = generate(10, seed=6).purchases[:15]
        bound = PURCHASES.bind(keys=KEYS)
        rows = [bound.apply(purchase) for purchase in purchases]
        path = tmp_path / "out.csv"
        with open_writer(path, columns=bound.output_columns) as writer:
            writer.write_rows(rows)
        with open_reader(path) as reader:
            back = [row.values for row in itertools.chain.from_iterable(reader)]
        assert isinstance(back[0]["purchased_at"], str)
        for purchase, row in zip(purchases, back, strict=True):
            restored = bound.reverse(row)
            assert purchase.purchased_at == restored["purchased_at"]
            assert purchase.purchase_id == restored["purchase_id"]

    def test_support_view_from_csv(self, tmp_path: Path) -> None:
        """Tokens read back from CSV reverse too."""
        contacts = generate(10, seed=2).contacts
        bound = Policy.builtin("support-view").bind(keys=KEYS, today=TODAY)
        path = tmp_path / "view.csv"
        with open_writer(path, columns=bound.output_columns) as writer:
            writer.write_rows(bound.apply(contact) for contact in contacts)
        with open_reader(path) as reader:
            back = [row.values for row in itertools.chain.from_iterable(reader)]
        assert [c.contact_id for c in contacts] == [bound.reverse(r)["contact_id"] for r in back]


class TestRowTransforms:
    """Row transforms read the input row or the protected row, as they declare."""

    def test_protected_reader_runs_after_what_it_reads(self) -> None:
        """A protected-reading row transform sees the released value, whatever the column order."""
        policy = _policy(
            {
                "given_name": {"transform": "ptest_copy_protected", "source": "email"},
                "email": {"transform": "pseudonymise", "domain": "e"},
            }
        )
        bound = policy.bind(keys=KEYS, today=TODAY)
        row = bound.apply({"contact_id": "A", "email": "A@Example.com"})
        assert f"copy:{row['email']}" == row["given_name"]
        assert ("given_name", "email") == bound.output_columns

    def test_input_reader_reads_the_normalised_input(self) -> None:
        """An input-reading row transform sees the normalised input value, dropped or not."""
        policy = _policy({"given_name": {"transform": "ptest_copy_input", "source": "email"}})
        row = policy.bind(today=TODAY).apply({"contact_id": "A", "email": "A@Example.com"})
        assert {"given_name": "copy:a@example.com"} == row

    def test_chain_of_protected_readers(self) -> None:
        """A protected reader of a protected reader runs after it."""
        policy = _policy(
            {
                "given_name": {"transform": "ptest_copy_protected", "source": "family_name"},
                "family_name": {"transform": "ptest_copy_protected", "source": "email"},
                "email": "mask_email",
            }
        )
        row = policy.bind(today=TODAY).apply({"contact_id": "A", "email": "ann@example.com"})
        assert "copy:copy:a***@e***.com" == row["given_name"]


class TestRecordTypes:
    """Every record type: kept and by-category policies over synthetic records."""

    @pytest.mark.parametrize("record_type", ["contact", "purchase", "consent", "feedback"])
    @pytest.mark.parametrize("default", ["keep", "by-category"])
    def test_synthetic_records(self, record_type: str, default: str) -> None:
        """Clean synthetic records are all written, each value of its column's type."""
        dataset = generate(20, seed=12, dirty=0.0, duplicates=0.0, today=TODAY)
        records = {
            "contact": dataset.contacts,
            "purchase": dataset.purchases,
            "consent": dataset.consents,
            "feedback": dataset.feedback,
        }[record_type]
        policy = Policy(name="all", record_type=record_type, default=default)
        bound = policy.bind(keys=KEYS, today=TODAY)
        run = bound.apply_many(records, batch_size=16)
        out, rejects = _split(run)
        assert ([], len(records)) == (rejects, len(out))
        for row in out:
            assert bound.output_columns == tuple(row)
            for path, value in row.items():
                assert value is None or isinstance(value, bound.output_types[path]), path

    def test_same_type_as_input(self) -> None:
        """A transform whose output has its input's type (top_code) keeps the field's type."""
        policy = Policy(
            name="f",
            record_type="feedback",
            fields={"satisfaction": {"transform": "top_code", "threshold": 4}},
        )
        bound = policy.bind()
        assert {"satisfaction": int} == bound.output_types
        row = {
            "feedback_id": "F1",
            "contact_id": "C1",
            "received_at": "2025-01-01T10:00:00Z",
            "kind": "survey",
            "satisfaction": 5,
        }
        assert {"satisfaction": 4} == bound.apply(row)


class TestAudit:
    """The audit of a run: counts, codes and names, never a value or a key byte."""

    def test_counts(self, broken_csv: Path) -> None:
        """Counts per field, invalid values by field and code, rejects by code."""
        run = _bound().apply_many(_rows(broken_csv, keep_extra=True))
        list(run)
        audit = run.audit
        assert {
            "contact_id": ("pseudonymise", 3, 0),
            "given_name": ("ptest_refuse_marker", 3, 0),
            "email": ("pseudonymise", 3, 0),
            "phone": ("mask_phone", 3, 0),
            "birth_date": ("age_band", 3, 0),
        } == {path: (c.rule, c.values, c.empty) for path, c in audit.fields.items()}
        assert {"email": {"invalid_email": 1}} == audit.invalid
        assert {
            "invalid_date": 2,
            "marker_refused": 1,
            "missing": 1,
            "wrong_column_count": 2,
        } == audit.rejects
        assert {
            "<record>": {"wrong_column_count": 2},
            "birth_date": {"invalid_date": 2},
            "contact_id": {"missing": 1},
            "given_name": {"marker_refused": 1},
        } == audit.rejects_by_field
        assert ("test-1",) == audit.key_ids
        assert TODAY == audit.today
        assert "family_name" in audit.dropped

    def test_columns_not_passed_from_rows(self, broken_csv: Path) -> None:
        """Extra columns kept by the reader are counted by name, per row that had them."""
        run = _bound().apply_many(_rows(broken_csv, keep_extra=True))
        list(run)
        assert {"note": 7} == run.audit.columns_not_passed

    def test_columns_not_passed_from_mappings(self) -> None:
        """Keys of a mapping that are not fields are counted and never released."""
        rows = [
            {"contact_id": "A", "notes": "call back", "address": {"line1": "1 rue", "zone": 3}},
            {"contact_id": "B", "notes": "vip"},
        ]
        run = _bound().apply_many(rows)
        out = list(run)
        assert {"notes": 2, "address.zone": 1} == run.audit.columns_not_passed
        assert all(set(row) == set(_bound().output_columns) for row in out)  # type: ignore[arg-type]

    def test_empty_values_counted(self) -> None:
        """Empty values of rows written are counted apart."""
        run = _bound().apply_many([{"contact_id": "A"}, {"contact_id": "B", "phone": "0612345678"}])
        list(run)
        assert (1, 1) == (run.audit.fields["phone"].values, run.audit.fields["phone"].empty)

    def test_audit_json_holds_no_value_and_no_key(self, broken_csv: Path) -> None:
        """to_json() names fields and codes only: no value of the file, no key byte."""
        run = _bound().apply_many(_rows(broken_csv, keep_extra=True), reject_values=True)
        list(run)
        text = run.audit.to_json()
        cells = {
            cell
            for line in BROKEN_ROWS
            for cell in line.strip().split(",")[1:]
            if len(cell) > 3 and cell not in {"surplus"}
        }
        assert [] == sorted(cell for cell in cells if cell in text)
        for form in (KEY_BYTES.hex(), base64.b64encode(KEY_BYTES).decode(), repr(KEY_BYTES)):
            assert form not in text
        document = json.loads(text)
        assert "t" == document["policy"]["name"]
        assert _policy().fingerprint == document["policy"]["fingerprint"]
        assert {"read": 8, "written": 3, "rejected": 5} == document["rows"]

    def test_times_from_the_caller(self) -> None:
        """Start and end times are empty unless the caller gives them (aware datetimes)."""
        run = _bound().apply_many([])
        list(run)
        assert (None, None) == (run.audit.started_at, run.audit.ended_at)
        start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
        timed = run.audit.with_times(started_at=start, ended_at=start)
        assert "2026-01-15T09:00:00+00:00" == timed.to_dict()["started_at"]
        with pytest.raises(TypeError):
            run.audit.with_times(started_at=dt.datetime(2026, 1, 15))  # noqa: DTZ001  # naive on purpose

    def test_each_run_its_own_audit(self) -> None:
        """Two runs of one bound policy count separately."""
        bound = _bound()
        first = bound.apply_many([{"contact_id": "A"}])
        second = bound.apply_many([{"contact_id": "B"}, {"contact_id": "C"}])
        list(first)
        list(second)
        assert (1, 2) == (first.audit.rows_read, second.audit.rows_read)


class TestThreads:
    """One bound policy shared by threads gives what it gives serially."""

    def test_threads_match_serial(self) -> None:
        """Runs in eight threads over one bound policy equal the serial runs."""
        contacts = list(generate(200, seed=8, dirty=0.2, today=TODAY).contacts)
        bound = Policy.builtin("partner-share").bind(keys=KEYS, today=TODAY)
        chunks = [contacts[i::8] for i in range(8)]

        def run(chunk: list[Contact]) -> tuple[list[object], dict[str, object]]:
            done = bound.apply_many(chunk, batch_size=7)
            return list(done), done.audit.to_dict()

        serial = [run(chunk) for chunk in chunks]
        with ThreadPoolExecutor(max_workers=8) as pool:
            threaded = list(pool.map(run, chunks * 3))
        assert serial * 3 == threaded

    def test_apply_from_threads(self) -> None:
        """apply() from several threads equals apply() in one."""
        contacts = list(generate(60, seed=8, today=TODAY).contacts)
        bound = Policy.builtin("support-view").bind(keys=KEYS, today=TODAY)
        serial = [bound.apply(contact) for contact in contacts]
        with ThreadPoolExecutor(max_workers=6) as pool:
            assert serial == list(pool.map(bound.apply, contacts))


_KEYS_OF_CONTACTS = st.sampled_from([*flat_columns(Contact), "notes", "address"])
_MESSY_MAPPINGS = st.dictionaries(_KEYS_OF_CONTACTS, arbitrary_values(), max_size=6)
_MESSY_ROWS = st.lists(
    st.one_of(
        messy_contacts(),
        messy_contacts().map(to_flat),
        _MESSY_MAPPINGS,
    ),
    max_size=12,
)
_POLICIES = [
    Policy.builtin("partner-share"),
    Policy.builtin("analytics"),
    Policy.builtin("support-view"),
    Policy(name="by-category", record_type="contact", default="by-category"),
    Policy(name="everything", record_type="contact", default="keep"),
]


class TestMessyRowsProperty:
    """apply_many over messy rows never raises, reconciles, and writes exactly its columns."""

    @given(
        rows=_MESSY_ROWS,
        policy=st.sampled_from(_POLICIES),
        reject_invalid=st.booleans(),
        batch_size=st.integers(1, 5),
    )
    def test_never_raises_and_reconciles(
        self, rows: list[object], policy: Policy, reject_invalid: bool, batch_size: int
    ) -> None:
        """Every row comes out as a row with exactly output_columns, or as a reject."""
        bound = policy.bind(keys=KEYS, today=TODAY, reject_invalid=reject_invalid)
        run = bound.apply_many(rows, batch_size=batch_size)
        results = list(run)
        out, rejects = _split(results)
        assert len(rows) == len(results) == run.read == len(out) + len(rejects)
        audit = run.audit
        assert (len(rows), len(out), len(rejects)) == (
            audit.rows_read,
            audit.rows_written,
            audit.rows_rejected,
        )
        for row in out:
            assert bound.output_columns == tuple(row)
        numbers = [reject.row for reject in rejects]
        assert sorted(numbers) == numbers
        assert all(reject.issues for reject in rejects)
        json.dumps(audit.to_dict())

    @given(rows=st.lists(messy_contacts(), max_size=8))
    def test_output_types(self, rows: list[Contact]) -> None:
        """Each released value is None or of its column's output type."""
        bound = Policy.builtin("support-view").bind(keys=KEYS, today=TODAY)
        for row in bound.apply_many(rows):
            if isinstance(row, dict):
                for path, value in row.items():
                    assert value is None or isinstance(value, bound.output_types[path]), path

    @given(policy=contact_policies(), rows=_MESSY_ROWS, normalise=st.booleans())
    def test_any_policy_of_builtin_transforms(
        self, policy: Policy, rows: list[object], normalise: bool
    ) -> None:
        """Any policy made of built-in transforms binds, never raises and reconciles."""
        bound = policy.bind(keys=KEYS, today=TODAY, normalise=normalise)
        run = bound.apply_many(rows, batch_size=4)
        out, rejects = _split(run)
        assert (len(rows), len(out), len(rejects)) == (run.read, run.written, run.rejected)
        assert len(rows) == len(out) + len(rejects)
        for row in out:
            assert bound.output_columns == tuple(row)
            for path, value in row.items():
                assert value is None or isinstance(value, bound.output_types[path]), path


class TestRefusedFallback:
    """After a refusal, values go one at a time, merged only where equal means identical."""

    def test_equal_decimals_keep_their_own_form(self) -> None:
        """1.0 and 1.00 are equal, not the same: each keeps its own result, as in apply_many."""
        from decimal import Decimal

        from custdata.policy._bound import _apply_values
        from custdata.transforms import TopCode

        top = TopCode(threshold=10)
        values: list[object] = [Decimal("1.0"), "not a number", Decimal("1.00"), Decimal("12")]
        results, errors = _apply_values(top, values)
        assert [1] == list(errors)
        assert "wrong_type" == errors[1].code
        clean = [values[0], values[2], values[3]]
        assert [str(v) for v in top.apply_many(clean)] == [
            str(results[0]),
            str(results[2]),
            str(results[3]),
        ]
