"""The optional features of AnswerClassifier (bot/nlu/features.py)."""

from __future__ import annotations

import pickle

import pytest

from bot.nlu.features import SentenceEmbeddings, SpellingNormaliser


def test_spelling_corrects_unknown_words_and_keeps_the_trainings_own() -> None:
    pytest.importorskip("spellchecker")
    normaliser = SpellingNormaliser().fit(["how much is the pension pls", "OAP-1 form"])
    assert normaliser.transform(["Chld benifit pls"]) == ["child benefit pls"]
    assert normaliser.transform(["oap-1 pension"]) == ["oap-1 pension"]


def test_spelling_pickles_its_vocabulary_not_its_dictionary() -> None:
    pytest.importorskip("spellchecker")
    normaliser = SpellingNormaliser().fit(["pension"])
    normaliser.transform(["benifit"])
    copy = pickle.loads(pickle.dumps(normaliser))
    assert copy.known_ == {"pension"} and copy._checker is None
    assert copy.transform(["benifit"]) == ["benefit"]


def test_embeddings_are_256_floats_per_text_and_similar_for_similar_texts() -> None:
    pytest.importorskip("wordllama")
    vectors = SentenceEmbeddings().transform(
        ["when is my pension paid", "pension payment date", "recipe for pancakes"])
    assert vectors.shape == (3, 256)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
