"""Policies that scrub comments: nested per-kind specs, and the names given to bind."""

from __future__ import annotations

import pytest

from custdata import KeyRing, Policy, PolicyError
from custdata.transforms import MaskPhone, Pseudonymise, Surrogate

KEYS = KeyRing.from_mapping({"k1": bytes(range(32))}, active="k1")

FEEDBACK = """
name = "feedback-scrubbed"
record_type = "feedback"

[fields.contact_id]
transform = "pseudonymise"

[fields.comment]
transform = "keyed_scrub_text"

[fields.comment.replace.email]
transform = "surrogate"
kind = "email"
locale = "fr_FR"

[fields.comment.replace.phone]
transform = "mask_phone"
"""

ROW = {
    "feedback_id": "F1",
    "contact_id": "C-1",
    "received_at": "2026-01-02T10:00:00+01:00",
    "kind": "complaint",
    "comment": "Élodie Martin : écrivez à elodie@example.fr ou au 06 12 34 56 78.",
}


class TestScrubPolicy:
    """A feedback policy with a scrubber and nested transform specs."""

    def test_nested_specs_built_with_the_keys(self) -> None:
        """Each kind's nested spec is built through the registry with the policy's keys."""
        bound = Policy.loads(FEEDBACK).bind(keys=KEYS)
        email = Surrogate(keys=KEYS, domain="comment.replace.email", kind="email", locale="fr_FR")
        phone = MaskPhone()("+33612345678")
        expected = f"Élodie Martin : écrivez à {email('elodie@example.fr')} ou au {phone}."
        assert expected == bound.apply(ROW)["comment"]

    def test_names_given_to_bind(self) -> None:
        """names= scrubs each comment of the names of its row's contact."""
        bound = Policy.loads(FEEDBACK).bind(keys=KEYS, names={"C-1": ("Élodie", "Martin")})
        name = Pseudonymise(keys=KEYS, domain="comment.name")("Élodie Martin")
        comment = str(bound.apply(ROW)["comment"])
        assert comment.startswith(f"{name} : écrivez à ")
        other = bound.apply({**ROW, "contact_id": "C-2"})["comment"]
        assert str(other).startswith("Élodie Martin : ")

    def test_names_in_apply_many(self) -> None:
        """Streams give what apply gives, row by row."""
        policy = Policy.loads(
            FEEDBACK.replace("keyed_scrub_text", "scrub_text", 1).split(
                "[fields.comment.replace.email]"
            )[0]
        )
        bound = policy.bind(keys=KEYS, names={"C-1": "Élodie Martin"})
        rows = [ROW, {**ROW, "feedback_id": "F2", "contact_id": "C-2"}]
        out = [row["comment"] for row in bound.apply_many(rows)]  # type: ignore[index]
        assert [
            "<NAME> : écrivez à <EMAIL> ou au <PHONE>.",
            "Élodie Martin : écrivez à <EMAIL> ou au <PHONE>.",
        ] == out

    def test_placeholder_specs(self) -> None:
        """Placeholders are a plain table of texts."""
        policy = Policy.loads(
            'name = "p"\nrecord_type = "feedback"\n[fields.comment]\ntransform = "scrub_text"\n'
            '[fields.comment.placeholders]\nemail = "[courriel]"\n'
        )
        assert "[courriel]" in str(policy.bind().apply(ROW)["comment"])

    def test_keyed_nested_in_unkeyed_refused(self) -> None:
        """scrub_text refuses a keyed nested transform when the policy is loaded."""
        text = FEEDBACK.replace("keyed_scrub_text", "scrub_text", 1)
        with pytest.raises(PolicyError, match="keyed_scrub_text"):
            Policy.loads(text)

    def test_names_must_be_a_mapping(self) -> None:
        """names= that is not a mapping is a TypeError."""
        with pytest.raises(TypeError):
            Policy.loads(FEEDBACK).bind(keys=KEYS, names=["Élodie"])  # type: ignore[arg-type]

    def test_policy_without_scrubber_ignores_names(self) -> None:
        """names= changes nothing in a policy that scrubs no text."""
        policy = Policy(name="p", record_type="feedback", fields={"kind": "keep"})
        assert policy.bind().apply(ROW) == policy.bind(names={"C-1": "X"}).apply(ROW)

    def test_names_in_frames(self) -> None:
        """apply_frame scrubs names as apply_many does (the scrubber is a row step)."""
        pa = pytest.importorskip("pyarrow")
        import datetime as dt

        from custdata.frames import apply_frame

        policy = Policy(name="p", record_type="feedback", fields={"comment": "scrub_text"})
        bound = policy.bind(names={"C-1": "Élodie Martin"})
        rows = [ROW, {**ROW, "feedback_id": "F2", "contact_id": "C-2"}]
        table = pa.Table.from_pylist(
            [
                {**row, "received_at": dt.datetime.fromisoformat(str(row["received_at"]))}
                for row in rows
            ]
        )
        expected = [row["comment"] for row in bound.apply_many(rows)]  # type: ignore[index]
        assert expected == apply_frame(bound, table).frame.column("comment").to_pylist()

    def test_to_toml_round_trip(self) -> None:
        """A scrubbing policy written back as TOML loads to the same fingerprint."""
        policy = Policy.loads(FEEDBACK + '\n[fields.comment.placeholders]\niban = "[IBAN]"\n')
        assert policy.fingerprint == Policy.loads(policy.to_toml()).fingerprint
