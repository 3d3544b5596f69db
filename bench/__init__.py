"""Benchmarks (not tests): ``python -m bench NAME`` prints ratios against peers."""
