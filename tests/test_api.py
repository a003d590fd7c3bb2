"""The public surface: everything exported exists, and the contract names are there."""

from __future__ import annotations

import types

import cosyn
import cosyn.methods


def test_all_is_complete_and_importable():
    for name in cosyn.__all__:
        assert hasattr(cosyn, name), name
    # Every other public attribute is one of cosyn's own submodules.
    extra = {n for n in dir(cosyn) if not n.startswith("_")} - set(cosyn.__all__)
    for name in extra:
        module = getattr(cosyn, name)
        assert isinstance(module, types.ModuleType), name
        assert module.__name__ == f"cosyn.{name}", name


def test_contract_names():
    # ARCHITECTURE.md, "Python API (contract)"
    for name in [
        "Spec",
        "fit",
        "efficacy",
        "entropy_weights",
        "critic_weights",
        "cv_weights",
        "ahp_weights",
        "synergy_degree",
        "DataError",
        "SpecError",
        "CosynError",
    ]:
        assert name in cosyn.__all__
    for name in ["order_degree", "weights", "subsystem_order", "synergy", "summary", "to_xarray"]:
        assert hasattr(cosyn.Result, name)
    assert set(cosyn.methods.__all__) <= set(dir(cosyn.methods))
