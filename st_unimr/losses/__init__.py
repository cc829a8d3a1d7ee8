from __future__ import annotations

from st_unimr.losses.image_text_loss import ImageTextLoss
from st_unimr.losses.intent_classification_loss import IntentClassificationLoss

__all__ = ["ImageTextLoss", "IntentClassificationLoss"]
