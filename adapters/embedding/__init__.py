"""The FAQ's sentence-embedding runtime: the shipped ONNX model through fastembed, offline."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bot.features.faq.embedding import Vectors
from bot.settings import Settings

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent / "models" / "all-MiniLM-L6-v2-int8"
"""The model shipped with the package (sentence-transformers/all-MiniLM-L6-v2, int8 ONNX)."""
# fastembed knows this architecture (mean pooling, then L2 normalisation) by this name; the
# files come from the folder given, never from its download registry.
_ARCHITECTURE = "sentence-transformers/all-MiniLM-L6-v2"
_REQUIRED = ("model.onnx", "tokenizer.json", "config.json")
# Texts are embedded shortest first, in chunks of at most _TEXTS texts whose padded size (texts
# x the longest one's characters) stays under _PADDED_CHARS: the questions that arrive together
# go in one model call, the content's long answers a few at a time. ONNX Runtime keeps the
# memory of the largest batch it has run for the life of the process: embedding the content in
# chunks of 64 texts whatever their length peaked at 410 MB, these limits at about 300 MB.
_PADDED_CHARS = 8_000
_TEXTS = 64
_KEEP = 8  # cached contents kept in the cache folder


class ModelError(Exception):
    """The model folder is missing or unusable; the message says why in one line."""


class FastEmbedder:
    """The Embedder port on fastembed (ONNX Runtime), from a local folder, with no network."""

    def __init__(self, folder: Path = MODEL_DIR, threads: int = 1) -> None:
        missing = [f for f in _REQUIRED if not (folder / f).is_file()]
        if missing:
            raise ModelError(f"model folder {folder} has no {', '.join(missing)}")
        # Never reach for the network, whatever fastembed's defaults become.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from fastembed import TextEmbedding

            self._model = TextEmbedding(
                model_name=_ARCHITECTURE,
                specific_model_path=str(folder),
                local_files_only=True,
                threads=threads,
                cache_dir=tempfile.gettempdir(),
            )
            probe = next(iter(self._model.embed(["policy"])))
        except Exception as exc:
            raise ModelError(f"model in {folder} cannot be loaded ({type(exc).__name__})") from exc
        self.dimensions = int(probe.shape[0])
        self.name = folder.name
        self.fingerprint = _fingerprint(folder)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """The texts' normalised vectors: one ONNX Runtime call for a batch of questions."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        chunk: list[int] = []
        for i in sorted(range(len(texts)), key=lambda i: len(texts[i])):
            if chunk and (len(chunk) == _TEXTS or (len(chunk) + 1) * len(texts[i]) > _PADDED_CHARS):
                out[chunk] = self._run([texts[j] for j in chunk])
                chunk = []
            chunk.append(i)
        if chunk:
            out[chunk] = self._run([texts[j] for j in chunk])
        return out

    def _run(self, texts: list[str]) -> Vectors:
        return np.asarray(list(self._model.embed(texts, batch_size=len(texts))), dtype=np.float32)


def _fingerprint(folder: Path) -> str:
    """sha256 of the files that decide the vectors."""
    digest = hashlib.sha256()
    for name in ("model.onnx", "tokenizer.json", "config.json", "1_Pooling/config.json"):
        path = folder / name
        if path.is_file():
            digest.update(name.encode())
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


class FileVectorCache:
    """The VectorCache port on files in one folder (`<key>.npy`), replaced atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, key: str) -> Vectors | None:
        """The saved vectors, or None when absent or unreadable (then rebuilt by the caller)."""
        path = self.folder / f"faq-vectors-{key}.npy"
        if not path.exists():
            return None
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.ndim != 2 or not np.isfinite(vectors).all():
                raise ValueError("not a matrix of numbers")
            return np.asarray(vectors, dtype=np.float32)
        except Exception as exc:
            log.warning("FAQ vector cache %s unreadable (%s): rebuilding it", path.name, exc)
            return None

    def save(self, key: str, vectors: Vectors) -> None:
        """Write the vectors next to their final name, then rename (a crash leaves no half file)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".faq-vectors-{key}.{os.getpid()}.tmp"
            with tmp.open("wb") as f:
                np.save(f, vectors, allow_pickle=False)
            tmp.replace(self.folder / f"faq-vectors-{key}.npy")
            # Other contents (another checkout, an older version) may share the folder: keep the
            # few most recent.
            kept = sorted(self.folder.glob("faq-vectors-*.npy"), key=lambda p: -p.stat().st_mtime)
            for old in kept[_KEEP:]:
                old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("FAQ vector cache not saved in %s (%s)", self.folder, type(exc).__name__)


def semantic_parts(settings: Settings) -> tuple[FastEmbedder | None, FileVectorCache | None, str]:
    """The embedder and vector cache the settings ask for, or None and why not.

    FAQ_SEMANTIC unset: semantic matching when the model loads, else lexical with one log line;
    true: a model that does not load stops the start (ModelError); false: lexical.
    """
    if settings.faq_semantic is False:
        return None, None, "turned off (FAQ_SEMANTIC=false)"
    folder = settings.faq_model_path or MODEL_DIR
    # The similarity products are small: on one BLAS thread they cost 54 us, where threads
    # spinning beside the event loop and the model cost more than that on a busy machine.
    threadpool_limits(limits=1, user_api="blas")
    try:
        embedder = FastEmbedder(folder)
    except ModelError as err:
        if settings.faq_semantic:
            raise ModelError(f"{err} (FAQ_SEMANTIC=true, so not starting)") from None
        log.error("FAQ matcher: lexical only: %s (check FAQ_MODEL_PATH)", err)
        return None, None, str(err)
    return embedder, FileVectorCache(cache_dir()), ""


def cache_dir() -> Path:
    """Where the content's vectors are cached: the user's cache folder ($XDG_CACHE_HOME or
    ~/.cache), shared by every checkout, since the file name is the hash of content and model."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policybot"
