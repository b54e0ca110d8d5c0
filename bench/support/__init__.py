"""What the benchmarks share (a package, so `make bench` does not run it as a benchmark)."""
