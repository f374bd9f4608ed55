"""Benchmarks: ``python -m convstudio.bench engine|ui|all``.

Speed is measured here, never asserted in tests. Each part is a module with
``main(argv: list[str]) -> int``: ``engine`` (the convolution against PyTorch and SciPy) and
``ui`` (the window's figures, written separately and imported only when asked for).
"""
