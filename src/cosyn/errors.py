"""Errors and warnings that cosyn raises at its user-facing boundaries.

Every message says what is wrong, where (file, row, column, entity, period, spec key)
and what to do. Kernels in :mod:`cosyn.methods` raise plain :class:`ValueError`; the
pipeline turns the cases a user can cause into these classes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CosynError", "CosynWarning", "DataError", "SpecError", "quote"]


def quote(value: Any) -> str:
    """``repr`` of a label for a message, NumPy scalars shown as plain Python values."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        value = item()
    return repr(value)


class CosynError(Exception):
    """Base class of every error cosyn raises on purpose."""


class SpecError(CosynError, ValueError):
    """The model specification is invalid (unknown key, bad value, inconsistent parts)."""


class DataError(CosynError, ValueError):
    """The data cannot be used with the specification (missing column, bad cell, ...)."""


class CosynWarning(UserWarning):
    """A result was computed, but with a fallback the user should know about."""
