"""Reading and writing files."""

from cosyn.io.read import FIRST_DATA_ROW, read_table

__all__ = ["FIRST_DATA_ROW", "read_table"]
