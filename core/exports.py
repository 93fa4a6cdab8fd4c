"""What every file the portal writes for a spreadsheet needs: cells that cannot run as formulas."""

from __future__ import annotations

from typing import Any

# A cell that starts with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: Any) -> str:
    """A cell as text (empty for None) that a spreadsheet will not run as a formula."""
    return "" if value is None else csv_safe(str(value))
