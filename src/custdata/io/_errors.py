"""The error the file layer raises for a bad argument (exit code 2 on the command line)."""

from __future__ import annotations

from typing import ClassVar

from custdata.errors import CustDataError

__all__ = ["UsageError"]


class UsageError(CustDataError, ValueError):
    """
    An argument cannot be used: an unsupported format, encoding or delimiter, a bad mapping.

    Nothing is read or written when it is raised.
    """

    code: ClassVar[str] = "usage_error"
