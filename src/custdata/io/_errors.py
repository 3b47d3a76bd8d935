"""The error the file layer raises for a bad argument; it lives in `custdata.errors`."""

from __future__ import annotations

from custdata.errors import UsageError

__all__ = ["UsageError"]
