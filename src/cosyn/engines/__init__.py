"""Engines that run :func:`cosyn.fit` beyond one machine's memory (``engine="dask"``)."""
