"""Helpers for tests and smoke runs: tiny random models built on the fly."""

from __future__ import annotations

from st_unimr.testing.tiny_models import TINY_EFFICIENTNET, save_tiny_clip_vision, save_tiny_text_model, tiny_tokenizer

__all__ = ["TINY_EFFICIENTNET", "save_tiny_clip_vision", "save_tiny_text_model", "tiny_tokenizer"]
