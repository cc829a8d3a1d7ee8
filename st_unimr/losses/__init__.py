from __future__ import annotations

from st_unimr.losses.image_text_loss import ImageTextLoss
from st_unimr.losses.intent_classification_loss import IntentClassificationLoss
from st_unimr.losses.request_content_loss import RequestContentLoss
from st_unimr.losses.slot_intent_loss import SlotIntentLoss

__all__ = ["ImageTextLoss", "IntentClassificationLoss", "RequestContentLoss", "SlotIntentLoss"]
