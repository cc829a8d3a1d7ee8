"""Benchmarks of st-unimr: the unified query path, fusion overhead, image encoding, training, optimised CPU
inference and corpus encoding at scale. See benchmarks/README.md."""
