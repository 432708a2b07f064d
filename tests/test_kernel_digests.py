"""The per-kernel digests that locate what differs between two machines' numbers."""

from benchmarks import kernel_digests


def test_digests_cover_every_path_and_repeat_exactly_on_one_machine():
    first, second = kernel_digests.kernel_digests(), kernel_digests.kernel_digests()
    assert first == second
    paths = {line.split()[2] for line in first}
    assert paths == {"eager", "xla", "numpy"}
    operations = {line.split()[0] for line in first}
    assert {"matmul", "conv2d", "reduce_sum", "dense_gradient", "dot_float64", *kernel_digests.ELEMENTWISE} == operations
    assert all(len(line.split()[-1]) == 16 for line in first)


def test_digests_tell_different_results_apart():
    inputs = kernel_digests._inputs(3, 4)
    changed = inputs.copy()
    changed[0, 0] = float(changed[0, 0]) + abs(float(changed[0, 0])) * 2**-20  # a last-bits difference
    assert kernel_digests.digest(inputs) == kernel_digests.digest(inputs.copy())
    assert kernel_digests.digest(inputs) != kernel_digests.digest(changed)
