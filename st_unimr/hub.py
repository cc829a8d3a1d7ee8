from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi
from sentence_transformers import SentenceTransformer

from st_unimr.model_card import render_model_card
from st_unimr.saving import save

__all__ = ["push_to_hub"]


def push_to_hub(
    model: SentenceTransformer,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool | None = None,
    revision: str | None = None,
    commit_message: str = "Upload UniMR model",
    create_pr: bool = False,
    metrics: dict[str, Any] | None = None,
    training: str | None = None,
    languages: list[str] | None = None,
) -> str:
    """Upload a UniMR model to the Hub with a model card whose usage snippet is the real one.

    The model is saved to a temporary folder (safetensors, with the ``st-unimr`` requirement in its config), its card
    (sentence-transformers' card with the st-unimr sections, see :func:`st_unimr.model_card.render_model_card`) is
    written as ``README.md``, and the folder is uploaded in one commit.

    Args:
        model: The model to upload.
        repo_id: ``"org/name"``; created if missing.
        token: Hub token; the saved login or ``HF_TOKEN`` if None.
        private: Visibility for a newly created repo.
        revision: Branch to push to.
        commit_message: Commit message.
        create_pr: Open a pull request instead of pushing to the branch.
        metrics: Measured metrics for the card (see :func:`st_unimr.model_card.render_model_card`).
        training: Training description for the card.
        languages: ISO codes for the card metadata.

    Returns:
        The URL of the commit (or pull request).

    Example:
        ::

            import st_unimr

            st_unimr.push_to_hub(model, "org/unimr", metrics={"test": {"t2i_recall@10": 0.61}})
    """
    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
    with tempfile.TemporaryDirectory() as tmp:
        # The atomic save also stops sentence-transformers from later writing card assets into this deleted folder.
        folder = save(model, Path(tmp) / "model", create_model_card=False)
        # Rendered afresh (a loaded model would otherwise copy its old card), with the example images in the folder.
        card = render_model_card(
            model, repo_id, metrics=metrics, training=training, languages=languages, save_dir=folder
        )
        (folder / "README.md").write_text(card, encoding="utf8")
        commit = api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            revision=revision,
            commit_message=commit_message,
            create_pr=create_pr,
        )
    return str(commit.pr_url if create_pr and getattr(commit, "pr_url", None) else commit.commit_url)
