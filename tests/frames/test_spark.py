"""custdata.frames.spark: the cells, rejects, issues and audits of frames, on a local Spark."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, NamedTuple

import pyarrow as pa
import pytest
from pyspark.errors import PythonException
from pyspark.sql import SparkSession
from tests.frames.spark_support import stop_spark
from tests.frames.support import PURCHASES

from custdata import Contact, Policy, Purchase
from custdata.errors import KeyRingError, PolicyError
from custdata.frames import apply_frame, to_arrow, validate_frame
from custdata.frames import spark as spark_module
from custdata.frames.spark import apply_spark, validate_spark
from custdata.keys import KeyRing
from custdata.synthetic import generate

pytestmark = pytest.mark.spark

KEYS: Final = KeyRing.from_mapping({"test-1": bytes(range(32))}, active="test-1")
TODAY: Final = dt.date(2026, 1, 15)
DATASET: Final = generate(240, seed=13, dirty=0.3, duplicates=0.05)
SOURCE_MODULE: Final = "custdata_spark_test_keys"
SOURCE_KEYS: Final = KeyRing.from_mapping({"src": bytes(range(100, 132))}, active="src")
SOURCE_TEXT: Final = '''
"""A key source for the Spark tests: shipped to the workers with addPyFile."""

from custdata import KeyRing

CALLS = []


def ring():
    CALLS.append(1)
    return KeyRing.from_mapping({"src": bytes(range(100, 132))}, active="src")


def not_a_ring():
    return "not a ring"
'''
LOG4J: Final = """
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {path}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d %p %c: %m%n
"""


class Session(NamedTuple):
    """The test session, and where its driver log and event log are written."""

    spark: SparkSession
    logs: Path


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """
    One local[2] Spark session for the module, its logs in files, the key source shipped.

    Stopped with its JVM after the module: later tests count the threads left running.
    """
    logs = tmp_path_factory.mktemp("spark-logs")
    (logs / "events").mkdir()
    config = logs / "log4j2.properties"
    config.write_text(LOG4J.format(path=logs / "driver.log"), encoding="utf-8")
    saved = {name: os.environ.get(name) for name in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("custdata-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "50")
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", (logs / "events").as_uri())
        .config("spark.eventLog.compress", "false")
        .config("spark.eventLog.rolling.enabled", "false")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={config.as_uri()}")
        .getOrCreate()
    )
    module = tmp_path_factory.mktemp("key-source") / f"{SOURCE_MODULE}.py"
    module.write_text(SOURCE_TEXT, encoding="utf-8")
    spark.sparkContext.addPyFile(str(module))
    try:
        yield Session(spark, logs)
    finally:
        stop_spark()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _with_ids(table: pa.Table) -> pa.Table:
    return table.append_column("row_id", pa.array(range(table.num_rows), pa.int64()))


def _dirty_contacts() -> pa.Table:
    """Synthetic contacts, typed, with phones that are none, and a row id."""
    table = to_arrow(DATASET.contacts)
    phones = table.column("phone").to_pylist()
    for position in (3, 70, 71, 200):
        phones[position] = "not a phone"
    index = table.schema.get_field_index("phone")
    return _with_ids(table.set_column(index, "phone", pa.array(phones, pa.string())))


def _text_contacts() -> pa.Table:
    """Contacts as a file gives them: every cell text, some unreadable."""
    rows: list[dict[str, Any]] = []
    for n, contact in enumerate(DATASET.contacts[:120]):
        rows.append(
            {
                "contact_id": contact.contact_id,
                "email": contact.email,
                "phone": contact.phone,
                "birth_date": None if contact.birth_date is None else str(contact.birth_date),
                "address.postal_code": None
                if contact.address is None
                else contact.address.postal_code,
                "address.country": None if contact.address is None else contact.address.country,
                "interests": "|".join(contact.interests),
            }
        )
        if n % 17 == 5:
            rows[-1]["birth_date"] = "31/02/1980"
        if n % 23 == 7:
            rows[-1]["contact_id"] = None
    return pa.Table.from_pylist(rows)


def _plain(table: pa.Table) -> pa.Table:
    """A local result as Spark gives it back: enums as text (no dictionaries)."""
    columns = [
        column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
        for column in table.columns
    ]
    return pa.Table.from_arrays(columns, names=table.column_names)


def _same_cells(expected: pa.Table, actual: pa.Table) -> None:
    expected = _plain(expected)
    assert expected.column_names == actual.column_names
    assert expected.num_rows == actual.num_rows
    for name in expected.column_names:
        assert (name, expected.column(name).to_pylist()) == (name, actual.column(name).to_pylist())


def _named_issues(issues: pa.Table, ids: list[Any]) -> list[tuple[Any, ...]]:
    """Local issues (or rejects) named by id, as Spark names them."""
    return [
        (ids[row["index"]], row["path"], row["code"], row["severity"], row["message"])
        for row in issues.to_pylist()
    ]


def _rows(frame: Any) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in frame.toArrow().to_pylist()]


class TestApplySpark:
    """apply_spark gives apply_frame's cells, rejects and audit."""

    def test_contacts_every_cell(self, session: Session) -> None:
        """Contacts with refused phones: cells, rejects by id, audit; dotted names kept."""
        table = _dirty_contacts()
        policy = Policy.builtin("partner-share")
        local = apply_frame(policy.bind(keys=KEYS, today=TODAY, normalise=False), table)
        result = apply_spark(
            policy,
            session.spark.createDataFrame(table),
            keys=KEYS,
            id_column="row_id",
            today=TODAY,
            normalise=False,
        )
        assert "address.postal_code" in result.frame.columns
        _same_cells(local.frame, result.frame.toArrow())
        expected = _named_issues(local.rejects, table.column("row_id").to_pylist())
        assert 4 <= len(expected)
        assert expected == _rows(result.rejects)
        assert ["row_id", "path", "code", "severity", "message"] == result.rejects.columns
        audit = result.audit()
        assert local.audit == audit
        assert audit.rows_read == audit.rows_written + audit.rows_rejected
        assert {"row_id": table.num_rows} == dict(audit.columns_not_passed)

    def test_text_cells_with_id_a_field(self, session: Session) -> None:
        """Text cells, unreadable ones rejecting their rows, named by a field's own value."""
        table = _text_contacts()
        policy = Policy.builtin("partner-share")
        local = apply_frame(policy.bind(keys=KEYS, today=TODAY), table)
        result = apply_spark(
            policy,
            session.spark.createDataFrame(table),
            keys=KEYS,
            id_column="contact_id",
            today=TODAY,
        )
        _same_cells(local.frame, result.frame.toArrow())
        expected = _named_issues(local.rejects, table.column("contact_id").to_pylist())
        assert {"birth_date", "contact_id"} <= {issue[1] for issue in expected}
        assert expected == _rows(result.rejects)
        assert local.audit == result.audit()

    def test_purchases_amounts_lines_and_date_times(self, session: Session) -> None:
        """Decimals, line structs, date-times and offsets survive, whatever the session's zone."""
        table = _with_ids(to_arrow(DATASET.purchases[:150], Purchase))
        policy = Policy.loads(PURCHASES)
        local = apply_frame(policy.bind(keys=KEYS, today=TODAY), table)
        session.spark.conf.set("spark.sql.session.timeZone", "Europe/Paris")
        try:
            result = apply_spark(
                policy,
                session.spark.createDataFrame(table),
                keys=KEYS,
                id_column="row_id",
                today=TODAY,
            )
            actual = result.frame.toArrow()
            audit = result.audit()
        finally:
            session.spark.conf.set("spark.sql.session.timeZone", "UTC")
        assert pa.decimal128(18, 4) == actual.schema.field("total.amount").type
        assert pa.types.is_timestamp(actual.schema.field("purchased_at").type)
        assert pa.int16() == actual.schema.field("purchased_at.offset_minutes").type
        assert pa.types.is_list(actual.schema.field("lines").type)
        _same_cells(local.frame, actual)  # aware date-times: equal when the instants are
        assert local.audit == audit

    def test_key_source(self, session: Session) -> None:
        """Keys from a factory the workers import: the cells of the same ring, its key ids."""
        table = _dirty_contacts().slice(0, 120)
        policy = Policy.builtin("partner-share")
        local = apply_frame(policy.bind(keys=SOURCE_KEYS, today=TODAY), table)
        result = apply_spark(
            policy,
            session.spark.createDataFrame(table),
            keys=f"{SOURCE_MODULE}:ring",
            id_column="row_id",
            today=TODAY,
        )
        _same_cells(local.frame, result.frame.toArrow())
        audit = result.audit()
        assert ("src",) == audit.key_ids
        assert local.audit == audit

    @pytest.mark.parametrize(
        ("source", "problem"),
        [
            (f"{SOURCE_MODULE}:missing", "names nothing"),
            (f"{SOURCE_MODULE}:not_a_ring", "returned str, not a custdata"),
            ("no_such_module_here:ring", "no_such_module_here"),
        ],
    )
    def test_bad_key_source_fails_on_the_workers(
        self, session: Session, source: str, problem: str
    ) -> None:
        """A key source that gives no key ring fails the job, naming keys= and the source."""
        frame = session.spark.createDataFrame(_text_contacts().slice(0, 3))
        result = apply_spark(
            Policy.builtin("partner-share"), frame, keys=source, id_column="contact_id", today=TODAY
        )
        with pytest.raises(PythonException, match=problem) as caught:
            result.frame.count()
        assert "key source" in str(caught.value)


class TestValidateSpark:
    """validate_spark gives validate_frame's valid rows and issues, named by id."""

    def test_issues_and_rows(self, session: Session) -> None:
        """Text cells: the same valid rows, issues by id and counts as validate_frame."""
        table = _with_ids(_text_contacts())
        local = validate_frame(table.drop_columns(["row_id"]), Contact, today=TODAY)
        checked = validate_spark(
            session.spark.createDataFrame(table), Contact, id_column="row_id", today=TODAY
        )
        _same_cells(local.frame, checked.frame.toArrow())
        expected = _named_issues(local.issues, table.column("row_id").to_pylist())
        assert {"birth_date", "contact_id"} <= {issue[1] for issue in expected}
        assert expected == _rows(checked.issues)
        counts = checked.counts()
        assert (local.rows, local.valid, local.rejected) == (
            counts.rows,
            counts.valid,
            counts.rejected,
        )


def _forms(secret: bytes) -> list[bytes]:
    """A key's bytes as they could be shown: raw, hexadecimal, base64."""
    text = [
        secret.hex(),
        secret.hex().upper(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode(),
        base64.b64encode(secret).decode().rstrip("="),
        repr(secret),
    ]
    return [secret, *(form.encode() for form in text)]


def _leaks(secret: bytes, blob: bytes) -> list[bytes]:
    return [form for form in _forms(secret) if form in blob]


class TestKeysStayHidden:
    """No key byte in plans, explain output, the driver log, job descriptions or the conf."""

    def test_key_ring_never_shown(self, session: Session) -> None:
        """A run with a random key: its bytes appear in none of what Spark shows."""
        secret = secrets.token_bytes(32)
        ring = KeyRing.from_mapping({"leak": secret}, active="leak")
        table = _dirty_contacts().slice(0, 80)
        result = apply_spark(
            Policy.builtin("partner-share"),
            session.spark.createDataFrame(table),
            keys=ring,
            id_column="row_id",
            today=TODAY,
            normalise=False,
        )
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            result.frame.explain(True)
            result.rejects.explain("formatted")
        assert "custdata_apply" in shown.getvalue()
        result.frame.count()
        result.rejects.collect()
        audit = result.audit()
        assert ("leak",) == audit.key_ids
        context = session.spark.sparkContext
        conf = "\n".join(f"{k}={v}" for k, v in context.getConf().getAll())
        assert "executorEnv" not in conf
        events = b"".join(
            path.read_bytes() for path in (session.logs / "events").rglob("*") if path.is_file()
        )
        driver_log = (session.logs / "driver.log").read_bytes()
        # The event log holds every query plan and every job's properties and description.
        assert b"custdata_apply" in events
        assert b"SparkListenerJobStart" in events
        assert b"Job" in driver_log
        blob = b"\n".join(
            [
                shown.getvalue().encode(),
                repr(result).encode(),
                conf.encode(),
                audit.to_json().encode(),
                events,
                driver_log,
            ]
        )
        assert [] == _leaks(secret, blob)

    def test_string_that_is_not_a_source_is_not_shown(self, session: Session) -> None:
        """A key pasted into keys= by mistake is refused without being shown."""
        secret = secrets.token_bytes(32)
        frame = session.spark.createDataFrame(_text_contacts().slice(0, 3))
        for text in (secret.hex(), base64.b64encode(secret).decode()):
            with pytest.raises(ValueError, match="keys") as caught:
                apply_spark(
                    Policy.builtin("partner-share"),
                    frame,
                    keys=text,
                    id_column="contact_id",
                    today=TODAY,
                )
            assert [] == _leaks(secret, str(caught.value).encode())


class TestArguments:
    """Bad arguments are refused on the driver, naming the parameter."""

    @pytest.mark.parametrize("keys", [b"\x00" * 32, 42, ["k"]])
    def test_keys_of_another_type(self, session: Session, keys: object) -> None:
        """keys= must be a key ring or a key source."""
        frame = session.spark.createDataFrame(_text_contacts().slice(0, 3))
        with pytest.raises(TypeError, match=r"keys must be a custdata\.KeyRing"):
            apply_spark(
                Policy.builtin("partner-share"),
                frame,
                keys=keys,  # type: ignore[arg-type]
                id_column="contact_id",
                today=TODAY,
            )

    def test_keyed_policy_without_keys(self, session: Session) -> None:
        """A keyed policy without keys is refused as Policy.bind refuses it."""
        frame = session.spark.createDataFrame(_text_contacts().slice(0, 3))
        with pytest.raises(PolicyError, match="needs keys"):
            apply_spark(Policy.builtin("partner-share"), frame, keys=None, id_column="contact_id")

    @pytest.mark.parametrize(
        ("id_column", "error"),
        [("nope", ValueError), (3, TypeError)],
    )
    def test_id_column(self, session: Session, id_column: Any, error: type) -> None:
        """id_column must name one column of the DataFrame."""
        frame = session.spark.createDataFrame(_text_contacts().slice(0, 3))
        with pytest.raises(error, match="id_column"):
            apply_spark(
                Policy.builtin("partner-share"), frame, keys=KEYS, id_column=id_column, today=TODAY
            )
        with pytest.raises(error, match="id_column"):
            validate_spark(frame, Contact, id_column=id_column)

    def test_not_a_dataframe_or_policy(self, session: Session) -> None:
        """A table is not a Spark DataFrame; a bound policy is not a policy."""
        table = _text_contacts()
        policy = Policy.builtin("partner-share")
        with pytest.raises(TypeError, match="Spark DataFrame"):
            apply_spark(policy, table, keys=KEYS, id_column="contact_id", today=TODAY)
        with pytest.raises(TypeError, match=r"custdata\.Policy"):
            apply_spark(
                policy.bind(keys=KEYS, today=TODAY),  # type: ignore[arg-type]
                session.spark.createDataFrame(table),
                keys=KEYS,
                id_column="contact_id",
            )


class TestImport:
    """custdata.frames.spark loads pyspark and pyarrow on first use only."""

    def test_no_heavy_module_on_import(self) -> None:
        """Importing the module loads neither pyspark nor pyarrow."""
        code = (
            "import sys, custdata.frames.spark; "
            "print(' '.join(m for m in ('pyspark', 'pyarrow') if m in sys.modules))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "" == done.stdout.strip()


class TestWorkers:
    """What a worker keeps between tasks (in this process, without Spark)."""

    def test_policy_bound_once_per_run_and_source_resolved_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two tasks of a run share one bound policy; two runs share one key source."""
        (tmp_path / f"{SOURCE_MODULE}.py").write_text(SOURCE_TEXT, encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setattr(spark_module, "_SOURCES", {})
        monkeypatch.delitem(sys.modules, SOURCE_MODULE, raising=False)
        policy = Policy.builtin("partner-share")
        batches = to_arrow(DATASET.contacts[:10]).to_batches()

        def run(token: str) -> Any:
            job = _job(policy, f"{SOURCE_MODULE}:ring", token, batches[0].schema.names)
            list(spark_module._Task("custdata_apply", job)(iter(batches)))
            return spark_module._BOUND[token]

        first = run("run-1")
        assert first is run("run-1")
        assert first is not run("run-2")
        assert [1] == sys.modules[SOURCE_MODULE].CALLS

    def test_unknown_key_source_attribute(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A source naming nothing in an importable module is a KeyRingError naming keys=."""
        monkeypatch.setattr(spark_module, "_SOURCES", {})
        with pytest.raises(KeyRingError, match="keys: the key source 'custdata:no_such'"):
            spark_module._resolve("custdata:no_such")


def _job(policy: Policy, keys: str, token: str, names: list[str]) -> Any:
    """A run's job as apply_spark builds it, for a frame of ``names`` named by its first column."""
    bound = policy.bind(keys=KEYS, today=TODAY)
    outputs = spark_module.output_schema(pa, bound, spark_module.flat_specs(policy.record_class))
    return spark_module._Job(
        token=token,
        policy=policy,
        record_type=policy.record_class,
        keys=keys,
        options={"today": TODAY},
        tz=None,
        names=tuple(names),
        id_position=0,
        drop_id=False,
        outputs=tuple(outputs.names),
        schema=spark_module._layout(pa, pa.string(), outputs),
    )
