"""The shipped model folder and what happens when a configured one is missing or broken."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

import app
from adapters.embedding import MODEL_DIR, FastEmbedder, ModelError, semantic_parts
from bot.features.faq.embedding import Vectors
from bot.settings import Settings, StartupError, load_settings


def _settings(tmp_path: Path, **extra: str) -> Settings:
    return load_settings(channels=True, POLICYBOT_DATA_DIR=str(tmp_path / "data"), **extra)


def test_the_model_ships_with_its_licence_and_provenance() -> None:
    names = {p.name for p in MODEL_DIR.iterdir()}
    assert {"model.onnx", "tokenizer.json", "LICENSE", "NOTICE", "PROVENANCE.md"} <= names
    assert "Apache License" in (MODEL_DIR / "LICENSE").read_text()


def test_the_shipped_model_embeds_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model must never be downloaded")

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", no_network)
    embedder = FastEmbedder()
    vectors = embedder.embed(["can I post about work", "may I mention my job online", "pizza"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # meaning, not words
    assert embedder.name == "all-MiniLM-L6-v2-int8"


def test_texts_embedded_in_chunks_come_back_in_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Mixed lengths, more texts than one model call takes: shortest first, in chunks.
    texts = [("may I post about my job online? " * (i % 9 + 1)) + str(i) for i in range(150)]
    embedder = FastEmbedder()
    calls: list[int] = []
    run = embedder._run

    def counted(chunk: list[str]) -> Vectors:
        calls.append(len(chunk))
        return run(chunk)

    monkeypatch.setattr(embedder, "_run", counted)
    together = embedder.embed(texts)
    assert len(calls) > 2 and max(calls) <= 64
    alone = embedder.embed([texts[i] for i in (0, 7, 77, 149)])
    # int8 activations are scaled per batch, so a batch's vectors differ a little from alone.
    assert (np.einsum("ij,ij->i", together[[0, 7, 77, 149]], alone) > 0.97).all()
    assert together[0] @ alone[0] > together[0] @ alone[1]


def _broken(tmp_path: Path) -> Path:
    folder = tmp_path / "broken-model"
    shutil.copytree(MODEL_DIR, folder)
    (folder / "model.onnx").write_bytes(b"this is not an onnx file")
    return folder


@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_an_unusable_model_falls_back_to_lexical_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    folder = tmp_path / "nowhere" if kind == "missing" else _broken(tmp_path)
    settings = _settings(tmp_path, FAQ_MODEL_PATH=str(folder))
    with caplog.at_level(logging.ERROR):
        _, faq = app.load(settings)
    assert faq.matcher == "lexical"
    assert str(folder) in faq.health()["reason"]
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "lexical" in line and str(folder) in line
    assert faq.match("can I tweet about my salary").faq_id == "pay-and-conditions"


@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_an_unusable_model_stops_the_start_when_semantic_is_required(
    tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / "nowhere" if kind == "missing" else _broken(tmp_path)
    settings = _settings(tmp_path, FAQ_MODEL_PATH=str(folder), FAQ_SEMANTIC="true")
    with pytest.raises(StartupError, match="FAQ model unusable") as err:
        app.load(settings)
    assert "\n" not in str(err.value)
    with pytest.raises(ModelError):
        semantic_parts(settings)


def test_semantic_matching_can_be_turned_off(tmp_path: Path) -> None:
    _, faq = app.load(_settings(tmp_path, FAQ_SEMANTIC="false"))
    assert faq.health() == {
        "status": "ok",
        "matcher": "lexical",
        "reason": "turned off (FAQ_SEMANTIC=false)",
    }


def test_by_default_the_hybrid_matcher_runs_on_the_shipped_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _, faq = app.load(_settings(tmp_path))
    assert faq.health() == {"status": "ok", "matcher": "hybrid", "model": MODEL_DIR.name}
    assert list((tmp_path / "cache" / "policybot").glob("faq-vectors-*.npy"))
