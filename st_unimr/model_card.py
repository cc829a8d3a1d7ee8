"""The UniMR model card: sentence-transformers' own card, extended with the st-unimr sections.

sentence-transformers writes a ``README.md`` into every folder a model is saved to (``model.save``, trainer
checkpoints, ``push_to_hub``), filled from ``model.model_card_data``: datasets, losses, hyperparameters, training logs,
evaluator metrics, framework versions. :class:`UniMRModelCardData` is that card data for UniMR models, used through
sentence-transformers' own extension points (``model_card_data_class``, ``template_path``, ``generate_usage_snippet``),
so every one of those folders gets a card that keeps all of sentence-transformers' sections and adds:

- the plugin install (``pip install -U st-unimr``) and usage snippets that run: ``SentenceTransformer(...,
  trust_remote_code=True)`` (the flag sentence-transformers needs to import the installed st_unimr modules) and
  ``st_unimr.load(...)``, with images, mixed lists, intents, slots and Matryoshka truncation where the model has them;
- the UniMR components (routes, prompts, intent labels, slot tags);
- the project's measured test metrics and a description of the training run, when given
  (:func:`update_model_card_data`).

The card's template is sentence-transformers' installed template with the st-unimr sections inserted at its headings
(:func:`compose_template`), so it follows sentence-transformers' template as that evolves.
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import functools
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.model_card import generate_model_card
from sentence_transformers.sentence_transformer.model_card import SentenceTransformerModelCardData
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

__all__ = [
    "PLACEHOLDER_MODEL_ID",
    "UniMRModelCardData",
    "adopt_model_card_data",
    "card_loss",
    "compose_template",
    "render_model_card",
    "update_model_card_data",
]

logger = logging.getLogger(__name__)

# sentence-transformers' own stand-in for the Hub id in the snippets of folders saved without one; its push_to_hub
# replaces `model = SentenceTransformer("<this>"` with the real id.
PLACEHOLDER_MODEL_ID = "sentence_transformers_model_id"

_UNIMR_TAGS = ["st-unimr", "text-to-image", "intent-classification"]
_QUERIES = ["please help me find a photo of a dog from last month"]
_DOCUMENTS = [
    "A dog runs on the beach.",
    "Ein Hund läuft am Strand.",
    "Un chat dort sur le canapé.",
]

_INTRO = """
This is a UniMR model ("Unified Multimodal and Multilingual Retrieval via Multi-Task Learning with NLU Integration",
[arXiv 2601.14714](https://arxiv.org/abs/2601.14714)): one multilingual text encoder serves text→text retrieval
{%- if unimr.image_route %}, text→image retrieval{% endif %} and query intent classification
{%- if unimr.slot_tags %} with slot tagging{% endif %}{% if unimr.image_route %}, and images are embedded into the same
space{% endif %}. It needs the [st-unimr](https://pypi.org/project/st-unimr/) sentence-transformers plugin
(`pip install -U st-unimr`).
"""

_COMPONENTS = """
### UniMR Components

- **Text route:** the shared text encoder, then `NLUFeatureFusion` (intent head{% if unimr.slot_tags %}, slot \
tagger{% endif %}; its NLU features are fused into the sentence embedding: `{{ unimr.fusion }}`)
{%- if unimr.image_route %}
- **Image route:** `ImageEncoder` ({{ unimr.image_route }}), projected into the text embedding space
{%- endif %}
- **Prompts:** {{ unimr.prompts }}
- **Intent labels ({{ unimr.num_intents }}):** {{ unimr.intents }}
{%- if unimr.slot_tags %}
- **Slot tags:** {{ unimr.slot_tags }}
{%- endif %}
- **st-unimr:** {{ unimr.version }}
"""

_INSTALL = """First install the [st-unimr](https://pypi.org/project/st-unimr/) plugin, which installs Sentence \
Transformers with it:

```bash
pip install -U st-unimr
```
Sentence Transformers imports the plugin's modules (`st_unimr.modules`) only with `trust_remote_code=True`; no code \
from the model repository is run."""

_UNIMR_USAGE = """
### Direct Usage (st-unimr)

{{ unimr_usage_snippet }}
"""

_LOAD_LEAD = (
    "`st_unimr.load` loads the model without `trust_remote_code`: it resolves only sentence-transformers and "
    "st_unimr classes and safetensors weights."
)

_CHECKPOINT_LEAD = (
    "This folder is a trainer checkpoint: beside the model it holds the trainer's state (optimizer, scheduler, "
    "random generators) as pickle files, so `st_unimr.load`, which refuses pickles, does not load it. "
    "`SentenceTransformer(..., trust_remote_code=True)` does (it reads only the model's files), and the st-unimr "
    "functions take the model it returns. The model folders that training writes (`stageN/model`, `final`) load with "
    "`st_unimr.load`."
)

_EVALUATION = """{% if unimr_metrics_table %}{% if not eval_metrics %}## Evaluation
{% endif %}
### st-unimr Test Metrics

{{ unimr_metrics_table }}

{% endif %}"""

_TRAINING = """{% if unimr_training %}
### Training Procedure

{{ unimr_training }}
{% endif %}"""

_VERSION = """
- st-unimr: {{ unimr.version }}"""

# (anchor in sentence-transformers' template, st-unimr text, where it goes). A missing anchor (a changed template)
# puts the text at the end instead: the card then keeps every section, in a less natural order.
_INSERTIONS: tuple[tuple[str, str, str], ...] = (
    ("\n## Model Details\n", _INTRO, "before"),
    ("\n## Usage\n", _COMPONENTS, "before"),
    (
        "First install the Sentence Transformers library:\n\n```bash\npip install -U sentence-transformers\n```",
        _INSTALL,
        "replace",
    ),
    ("{{ usage_snippet }}\n", _UNIMR_USAGE, "after"),
    ("<!--\n## Bias, Risks and Limitations", _EVALUATION, "before"),
    ("## Training Details\n", _TRAINING, "after"),
    ('- Sentence Transformers: {{ version["sentence_transformers"] }}', _VERSION, "after"),
)


def compose_template(st_template: str) -> str:
    """Insert the st-unimr sections into sentence-transformers' model card template (Jinja source).

        Args:
            st_template: The source of sentence-transformers' ``model_card_template.md``.

        Returns:
            The UniMR template: every section of ``st_template``, plus the st-unimr ones.

        Example:
            ::

                from pathlib import Path

                from sentence_transformers.sentence_transformer.model_card import SentenceTransformerModelCardData
    from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

                from st_unimr.model_card import compose_template

                template = compose_template(Path(SentenceTransformerModelCardData().template_path).read_text())
    """
    template = st_template
    appended = []
    for anchor, text, where in _INSERTIONS:
        if anchor not in template:
            logger.debug(f"Model card template: anchor {anchor!r} not found, its st-unimr section goes at the end")
            appended.append(text)
        elif where == "before":
            template = template.replace(anchor, text + anchor, 1)
        elif where == "after":
            template = template.replace(anchor, anchor + text, 1)
        else:
            template = template.replace(anchor, text, 1)
    return template + "".join(f"\n{text}" for text in appended)


@functools.cache
def _template_file(st_template_path: str) -> Path:
    # huggingface_hub's ModelCard.from_template, which sentence-transformers renders with, reads a template *path*.
    # The composed template goes into a private (0700) folder of this process: a shared, predictable /tmp name could
    # be replaced by another user, and Jinja templates are code.
    folder = Path(tempfile.mkdtemp(prefix="st-unimr-card-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "model_card_template.md"
    path.write_text(compose_template(Path(st_template_path).read_text(encoding="utf8")), encoding="utf8")
    return path


def _unimr_template_path() -> Path:
    st_path = str(SentenceTransformerModelCardData.__dataclass_fields__["template_path"].default)
    path = _template_file(st_path)
    if not path.is_file():  # removed under us (a tmp cleaner): write it again
        _template_file.cache_clear()
        path = _template_file(st_path)
    return path


@dataclass
class UniMRModelCardData(SentenceTransformerModelCardData):
    """sentence-transformers' model card data, with the st-unimr sections and usage snippets that run.

    :func:`st_unimr.build_unimr` and :func:`st_unimr.load` models use it (``UniMRModel.model_card_data_class``); a
    model loaded with ``SentenceTransformer(..., trust_remote_code=True)`` is switched to it by its st_unimr modules
    (:func:`adopt_model_card_data`). The trainer fills it exactly as it fills sentence-transformers' card data.

    Args:
        snippet_model_id: What the usage snippets load: a Hub id or a local folder. None: ``model_id``, else
            sentence-transformers' placeholder ``"sentence_transformers_model_id"`` (the Hub id or the folder's
            path go there).
        unimr_metrics: Measured metrics, ``{"name": value}`` or ``{"split": {"name": value}}``; rendered as a table
            in the Evaluation section.
        training_description: Markdown describing how the model was trained (Training Details section).
        **kwargs: sentence-transformers' fields (``language``, ``license``, ``model_name``, ``model_id``,
            ``train_datasets``, ``tags``, ``local_files_only``, ...).

    Example:
        ::

            import st_unimr
            from st_unimr.model_card import UniMRModelCardData

            model = st_unimr.build_unimr(intents=["weather", "alarm"])
            model.model_card_data.unimr_metrics = {"test": {"t2i_recall@10": 0.61}}
            model.save("models/unimr")  # README.md: sentence-transformers' card with the st-unimr sections
    """

    task_name: str = "text-to-text and text-to-image retrieval and query intent classification, in many languages"
    tags: list[str] = field(
        default_factory=lambda: [
            "sentence-transformers",
            "sentence-similarity",
            "feature-extraction",
            "dense",
            *_UNIMR_TAGS,
        ]
    )
    snippet_model_id: str | None = None
    unimr_metrics: dict[str, Any] | None = None
    training_description: str | None = None

    template_path: Path = field(default_factory=_unimr_template_path, init=False, repr=False)

    def run_usage_snippet(self) -> None:
        """Compute the similarities the retrieval snippet prints, on fixed multilingual texts.

        sentence-transformers would take its examples from the training data, which for UniMR may be images (written
        as asset files) of one of several datasets; fixed texts keep every card's snippet self-contained.
        """
        self.usage_examples = [*_QUERIES, *_DOCUMENTS]
        self.usage_examples_display = None
        self.similarities = None
        if not self.generate_widget_examples or self.model is None:
            return
        queries = self.model.encode_query(_QUERIES, convert_to_tensor=True, show_progress_bar=False)
        documents = self.model.encode_document(_DOCUMENTS, convert_to_tensor=True, show_progress_bar=False)
        similarity = self.model.similarity(queries, documents)
        with torch._tensor_str.printoptions(precision=4, sci_mode=False):
            self.similarities = "\n".join(f"# {line}" for line in str(similarity.cpu()).splitlines())

    def generate_usage_snippet(self) -> str:
        """sentence-transformers' retrieval snippet, loading with ``trust_remote_code=True`` (without it the st_unimr
        modules are refused)."""
        dimension = self._get_snippet_output_dimensionality()
        lines = [
            "from sentence_transformers import SentenceTransformer",
            "",
            "# Download from the 🤗 Hub (or give the path of a local copy)",
            f"model = SentenceTransformer({json.dumps(self._snippet_id())}, trust_remote_code=True)",
            "# Run inference",
            f"queries = {json.dumps(_QUERIES, ensure_ascii=False)}",
            "documents = [",
            *(f"    {json.dumps(text, ensure_ascii=False)}," for text in _DOCUMENTS),
            "]",
            "query_embeddings = model.encode_query(queries)",
            "document_embeddings = model.encode_document(documents)",
            "print(query_embeddings.shape, document_embeddings.shape)",
            f"# [1, {dimension}] [{len(_DOCUMENTS)}, {dimension}]",
            "",
            "# Get the similarity scores for the embeddings",
            "similarities = model.similarity(query_embeddings, document_embeddings)",
            "print(similarities)",
        ]
        if self.similarities:
            lines.append(self.similarities)
        return "```python\n" + "\n".join(lines) + "\n```"

    def generate_unimr_usage_snippet(self) -> str:
        """The st-unimr snippet: safe loading, images, mixed lists, intents, slots and Matryoshka, as the model has
        them."""
        from st_unimr.modules.module_lookup import find_image_encoder

        nlu = _nlu_module(self.model)
        has_images = self.model is not None and find_image_encoder(self.model) is not None
        dimension = self._get_snippet_output_dimensionality()
        model_id = json.dumps(self._snippet_id())
        lines = ["import st_unimr"]
        if has_images:
            lines.append("from PIL import Image")
        if self._is_trainer_checkpoint():
            lead = _CHECKPOINT_LEAD
            lines += ["from sentence_transformers import SentenceTransformer", ""]
            lines.append(f"model = SentenceTransformer({model_id}, trust_remote_code=True)")
        else:
            lead = _LOAD_LEAD
            lines += ["", f"model = st_unimr.load({model_id})"]
        lines += [
            "",
            "# Queries and documents share one text encoder and differ by prompt.",
            'queries = model.encode_query(["Hund am Strand", "a dog on the beach"])',
            'documents = model.encode_document(["A dog runs on the beach.", "Un chat dort sur le canapé."])',
            "print(model.similarity(queries, documents))",
        ]
        if has_images:
            lines += [
                "",
                "# Images (PIL images of any mode, arrays, paths, URLs) are embedded into the same space.",
                'image = Image.new("RGB", (224, 224), (200, 30, 30))',
                "images = model.encode_document([image])",
                "print(model.similarity(queries, images))",
                "",
                "# Texts and images in one list, embeddings in input order.",
                'mixed = st_unimr.encode(model, ["a red square", image], task="document")',
            ]
        if nlu is not None:
            lines += [
                "",
                "# Intent of a query, from the same forward pass as its embedding.",
                'print(st_unimr.predict_intent(model, "wake me up at 7 tomorrow", top_k=2))',
            ]
            if nlu.slot_tags:
                lines += [
                    "",
                    "# Intent, slots with char offsets, and the time slot's date range.",
                    'print(st_unimr.parse_query(model, "find photos of my dog from last week", '
                    'reference_date="2026-11-27"))',
                ]
        if isinstance(dimension, int) and dimension > 1:
            smaller = 128 if dimension > 128 else dimension // 2
            lines += [
                "",
                "# Matryoshka: smaller embeddings.",
                f'small = model.encode_query(["Hund am Strand"], truncate_dim={smaller})',
                "print(small.shape)",
                f"# (1, {smaller})",
            ]
        return lead + "\n```python\n" + "\n".join(lines) + "\n```"

    def set_losses(self, losses: list[torch.nn.Module]) -> None:
        """sentence-transformers' loss tags and citations, without transparent wrappers (see :func:`card_loss`)."""
        super().set_losses([loss for loss in losses if card_loss(loss) is loss])

    def compute_dataset_metrics(
        self,
        dataset: Any,
        dataset_info: dict[str, Any],
        loss: dict[str, torch.nn.Module] | torch.nn.Module | None,
        router_mapping: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """sentence-transformers' dataset section, naming the loss a transparent wrapper trains with."""
        if isinstance(loss, torch.nn.Module):
            loss = card_loss(loss)
        return super().compute_dataset_metrics(dataset, dataset_info, loss, router_mapping=router_mapping)

    def to_dict(self) -> dict[str, Any]:
        """sentence-transformers' template variables, plus those of the st-unimr sections."""
        data = super().to_dict()
        for name in ("unimr_metrics", "training_description", "snippet_model_id"):
            data.pop(name, None)
        try:
            data["unimr_usage_snippet"] = self.generate_unimr_usage_snippet()
        except Exception as exc:  # sentence-transformers' own sections must still be written
            logger.warning(f"Error while generating the st-unimr usage snippet: {exc}")
            data["unimr_usage_snippet"] = ""
        data["unimr"] = _components(self.model)
        data["unimr_metrics_table"] = _metrics_table(self.unimr_metrics)
        data["unimr_training"] = self.training_description
        self._cached_dict = data
        return data

    def get_default_model_name(self) -> str:
        """The card's title when none is given: "UniMR model", with its base model where known."""
        return f"UniMR model based on {self.base_model}" if self.base_model else "UniMR model"

    def _is_trainer_checkpoint(self) -> bool:
        # The trainer saves the model into `checkpoint-<step>` and then adds its own state there (optimizer, scheduler,
        # RNG) as pickles, which st_unimr.load refuses by design.
        if not self.save_dir:
            return False
        return re.fullmatch(rf"{PREFIX_CHECKPOINT_DIR}-\d+", Path(self.save_dir).name) is not None

    def _snippet_id(self) -> str:
        return self.snippet_model_id or self.model_id or PLACEHOLDER_MODEL_ID


def card_loss(loss: torch.nn.Module) -> torch.nn.Module:
    """The loss a model card names for ``loss``: the wrapped one, for wrappers marked ``transparent_in_model_card``.

    A wrapper that only observes a loss (training's ``LossRecorder`` records each dataset's values for the curves)
    would otherwise be what the card lists for every dataset, hiding the loss that actually trains.

    Args:
        loss: A loss module, possibly a transparent wrapper with the wrapped loss in ``loss.loss``.

    Returns:
        The innermost loss that is not a transparent wrapper.

    Example:
        ::

            from st_unimr.model_card import card_loss

            card_loss(recorder)  # the MatryoshkaLoss that the LossRecorder wraps
    """
    while getattr(loss, "transparent_in_model_card", False) and isinstance(
        getattr(loss, "loss", None), torch.nn.Module
    ):
        loss = loss.loss
    return loss


def adopt_model_card_data(model: SentenceTransformer) -> None:
    """Give a model holding sentence-transformers' plain card data a :class:`UniMRModelCardData` with the same values.

    Called by the st_unimr modules once a model holding them is built (``on_model_ready``), so a model loaded with
    ``SentenceTransformer(..., trust_remote_code=True)`` also writes cards whose snippets run. Card data of any other
    class (a user's own) is left alone.

    Args:
        model: The model.

    Example:
        ::

            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer("org/unimr", trust_remote_code=True)
            type(model.model_card_data).__name__  # 'UniMRModelCardData' (adopted by the st_unimr modules)
    """
    current = getattr(model, "model_card_data", None)
    if type(current) is not SentenceTransformerModelCardData:
        return
    init = {f.name: getattr(current, f.name) for f in dataclasses.fields(current) if f.init}
    # The constructor would drop a `model_id` without an organisation; the value set on the model is kept as is.
    adopted = UniMRModelCardData(**{**init, "model_id": None})
    for f in dataclasses.fields(current):
        if not f.init and f.name not in ("template_path", "model"):
            setattr(adopted, f.name, getattr(current, f.name))
    adopted.model_id = current.model_id
    if current.task_name == SentenceTransformerModelCardData.task_name:  # sentence-transformers' generic default
        adopted.task_name = UniMRModelCardData.task_name
    adopted.add_tags(_UNIMR_TAGS)
    adopted.register_model(model)
    model.model_card_data = adopted


def update_model_card_data(
    model: SentenceTransformer,
    *,
    model_id: str | None = None,
    local_path: str | os.PathLike | None = None,
    metrics: dict[str, Any] | None = None,
    training: str | None = None,
    languages: list[str] | None = None,
    model_name: str | None = None,
    license: str | None = None,
) -> UniMRModelCardData:
    """Record what the model card says beyond what sentence-transformers collects; every later save writes it.

    Args:
        model: A UniMR model.
        model_id: The Hub id (``"org/name"``) the model is published under: the card's ``model_id``, and what the
            usage snippets load unless ``local_path`` is given.
        local_path: A local folder the usage snippets load instead (the folder the model is about to be saved to).
        metrics: Measured metrics, ``{"name": value}`` or ``{"split": {"name": value}}``; rendered as a table.
        training: Markdown describing how the model was trained.
        languages: ISO codes for the card's ``language`` metadata.
        model_name: Title of the card.
        license: The card's license metadata (e.g. ``"apache-2.0"``).

    Returns:
        The model's card data (now a :class:`UniMRModelCardData`).

    Raises:
        ValueError: ``model_id`` is not of the form ``"org/name"``.

    Example:
        ::

            import st_unimr
            from st_unimr.model_card import update_model_card_data

            update_model_card_data(model, metrics={"test": {"t2i_recall@10": 0.61}}, languages=["en", "de"])
            st_unimr.save(model, "models/unimr")
    """
    adopt_model_card_data(model)
    data = model.model_card_data
    if not isinstance(data, UniMRModelCardData):
        raise TypeError(
            f"model.model_card_data is a {type(data).__name__}; the st-unimr sections need a UniMRModelCardData"
        )
    if model_id is not None:
        if model_id.count("/") != 1 or model_id.startswith(("/", ".", "~")):
            raise ValueError(f"model_id must be a Hub id 'org/name', got {model_id!r}; a local folder is local_path")
        data.set_model_id(model_id)
    if local_path is not None:
        data.snippet_model_id = os.fspath(local_path)
    if metrics is not None:
        data.unimr_metrics = metrics
    if training is not None:
        data.training_description = training
    if languages:
        data.set_language(list(languages))
    if model_name is not None:
        data.model_name = model_name
    if license is not None:
        data.set_license(license)
    # sentence-transformers copies the card a model was loaded with into its next save unless a trainer ran since
    # (private `_model_card_text`, guarded in tests/core/test_private_api_guard.py): the values recorded here must
    # reach that save, so the card is generated afresh.
    if getattr(model, "_model_card_text", None) is not None:
        model._model_card_text = None
    return data


def render_model_card(
    model: SentenceTransformer,
    repo_id: str,
    metrics: dict[str, Any] | None = None,
    training: str | None = None,
    languages: list[str] | None = None,
    model_name: str | None = None,
    save_dir: str | os.PathLike | None = None,
) -> str:
    """Render the model card for a UniMR model: sentence-transformers' card with the st-unimr sections.

    The model's own card data is left unchanged (the card is rendered from a copy); to have every later save write
    these values, use :func:`update_model_card_data`.

    Args:
        model: The model the card describes.
        repo_id: The Hub id (or local path) used in the usage snippets.
        metrics: Measured metrics, ``{"name": value}`` or ``{"split": {"name": value}}``; rendered as a table.
        training: Free text describing how the model was trained.
        languages: ISO codes for the card's ``language`` metadata.
        model_name: Title of the card; defaults to sentence-transformers' name for the model.
        save_dir: The saved model folder the card goes into: sentence-transformers writes the images of the card's
            dataset examples there (``assets/``). None: nothing is written, and image examples are shown as text.

    Returns:
        The card (Markdown with YAML metadata), as written to ``README.md``.

    Example:
        ::

            from st_unimr.model_card import render_model_card

            card = render_model_card(model, "org/unimr", metrics={"test": {"t2i_recall@10": 0.61}})
    """
    original = model.model_card_data
    adopt_model_card_data(model)
    adopted = model.model_card_data
    data = copy.copy(adopted)
    # Fresh containers: the copy must not change the lists and dicts it shares with the model's card data.
    data.tags = list(adopted.tags)
    data.language = list(adopted.language or [])
    data.save_dir = None if save_dir is None else os.fspath(save_dir)
    model.model_card_data = data
    try:
        # repo_id may be a Hub id or a local path (sentence-transformers' model_id, used in asset URLs, must be a
        # Hub id).
        update_model_card_data(
            model,
            model_id=repo_id if _is_hub_id(repo_id) else None,
            local_path=None if _is_hub_id(repo_id) else repo_id,
            metrics=metrics,
            training=training,
            languages=languages,
            model_name=model_name,
        )
        return generate_model_card(model)
    finally:
        model.model_card_data = original


def _is_hub_id(value: str) -> bool:
    return value.count("/") == 1 and not os.path.exists(value) and not value.startswith((".", "/", "~"))


def _nlu_module(model: SentenceTransformer | None) -> Any:
    from st_unimr.modules.nlu_feature_fusion import NLUFeatureFusion

    if model is None:
        return None
    return next((module for module in model.modules() if isinstance(module, NLUFeatureFusion)), None)


def _components(model: SentenceTransformer | None) -> dict[str, Any]:
    import st_unimr
    from st_unimr.modules.module_lookup import find_image_encoder

    nlu = _nlu_module(model)
    image = find_image_encoder(model) if model is not None else None
    intents = "none" if nlu is None else ", ".join(f"`{label}`" for label in nlu.labels[:50])
    if nlu is not None and nlu.num_labels > 50:
        intents += f", ... ({nlu.num_labels - 50} more)"
    image_route = None
    if image is not None:
        image_route = f"`{image.backbone_type}` backbone, `{image.projection}` projection"
    return {
        "version": st_unimr.__version__,
        "prompts": ", ".join(f"`{name}`: `{prompt!r}`" for name, prompt in (model.prompts if model else {}).items())
        or "none",
        "num_intents": 0 if nlu is None else nlu.num_labels,
        "intents": intents,
        "slot_tags": ", ".join(f"`{tag}`" for tag in nlu.slot_tags) if nlu is not None and nlu.slot_tags else None,
        "fusion": "none" if nlu is None else nlu.fusion,
        "image_route": image_route,
    }


def _metrics_table(metrics: dict[str, Any] | None) -> str | None:
    if not metrics:
        return None
    rows = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            rows.extend((key, name, score) for name, score in value.items())
        else:
            rows.append(("", key, value))
    lines = ["| split | metric | value |", "|---|---|---|"]
    for split, name, value in rows:
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        lines.append(f"| {split} | {name} | {shown} |")
    return "\n".join(lines)
