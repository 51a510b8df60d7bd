"""The numpy MiniLM encoder: loads lazily from the installed package, embeds sensibly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engage.domain.scope.encoder import Encoder, EncoderUnavailable, encoder, model_dir


def test_embeddings_are_unit_vectors_and_closer_for_the_same_topic() -> None:
    vectors = encoder().encode(
        [
            "The Cloud Costs page is blank with the GCP billing export.",
            "Cloud costs show nothing since we set up the BigQuery export.",
            "Slack alerts arrive twice for every budget.",
        ]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.5 > similarity[0, 2]


def test_cache_returns_the_same_rows_and_clear_empties_it() -> None:
    model = encoder()
    first = model.encode(["a sentence about idle costs"])
    model.clear()
    assert np.array_equal(first, model.encode(["a sentence about idle costs"]))
    assert model.encode([]).shape == (0, 384)


def test_a_broken_model_directory_is_a_named_error(tmp_path: object) -> None:
    with pytest.raises(EncoderUnavailable, match="cannot load the MiniLM model"):
        Encoder(tmp_path)  # type: ignore[arg-type]
    assert (model_dir() / "tokenizer.json").is_file()


def test_the_model_loads_on_first_use_not_at_import() -> None:
    code = (
        "import engage.domain.scope as s, engage.domain.scope.encoder as e; "
        "assert e._ENCODER is None; s.check_scope('t', 'The page is blank.'); "
        "assert e._ENCODER is not None; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
