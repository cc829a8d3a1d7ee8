from __future__ import annotations

import numpy as np
from PIL import Image


def test_build_and_encode(tiny_unimr):
    model = tiny_unimr
    text = model.encode_query(["find a photo of a dog", "wake me up"])
    images = model.encode_document([Image.new("RGB", (40, 30), (255, 0, 0))])
    assert text.shape == (2, 32) and images.shape == (1, 32)
    assert np.allclose(np.linalg.norm(text, axis=1), 1, atol=1e-5)
