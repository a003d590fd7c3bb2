"""``python -m cosyn``: fit the bundled Guangzhou trade model and print its summary."""

from __future__ import annotations

import sys

from cosyn.datasets import data_path, load_spec
from cosyn.errors import CosynError
from cosyn.fit import fit


def main() -> int:
    try:
        result = fit(data_path("trade.csv"), load_spec("trade_model"))
    except CosynError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
