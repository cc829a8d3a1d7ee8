"""Evaluation of st-unimr models with MTEB: ``python evaluation/run.py --help``."""
