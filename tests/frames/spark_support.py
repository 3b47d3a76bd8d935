"""Stopping a local Spark session and its JVM, so that no thread outlives the tests that used it."""

from __future__ import annotations

import sys
import threading
import time


def stop_spark(wait: float = 10.0) -> None:
    """
    Stop the active Spark session, if any, and shut its JVM gateway down.

    pyspark keeps the gateway (a JVM and a py4j thread) for the next session;
    later tests that count threads (`apply_many(workers=...)` forks only when
    it runs alone) must not see it. Waits up to ``wait`` seconds for the
    gateway's threads to end.
    """
    if "pyspark" not in sys.modules:
        return
    from pyspark import SparkContext

    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    gateway.shutdown()
    process = getattr(gateway, "proc", None)
    if process is not None and process.stdin is not None:
        process.stdin.close()  # the JVM exits when its driver's pipe closes
        process.wait(timeout=60)
    SparkContext._gateway = None
    SparkContext._jvm = None
    deadline = time.monotonic() + wait
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
