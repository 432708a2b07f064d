import pytest

from replications.instruction_set import PINNED, describe, environment


def test_avx2_caps_every_kernel_library_and_keeps_the_users_xla_flags():
    variables = environment("avx2", {"XLA_FLAGS": "--xla_dump_to=/tmp/x"})
    assert set(variables) == {"ONEDNN_MAX_CPU_ISA", "XLA_FLAGS", "OPENBLAS_CORETYPE"}
    assert variables["XLA_FLAGS"] == "--xla_dump_to=/tmp/x --xla_cpu_max_isa=AVX2"
    assert environment("avx2", variables)["XLA_FLAGS"] == variables["XLA_FLAGS"]  # applied twice: no duplicate flag
    assert "ONEDNN_MAX_CPU_ISA=AVX2" in describe({**variables})


def test_native_sets_nothing_and_an_unknown_set_is_refused():
    assert environment("native", {}) == {}
    assert describe({}).startswith("native")
    with pytest.raises(ValueError, match="unknown instruction set 'avx512'"):
        environment("avx512", {})
    assert set(PINNED) == {"avx2"}
