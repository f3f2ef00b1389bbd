"""Plain data classes for a detection report.

Offsets are Python string indices (code points) into the checked text, so
``checked[span.start:span.end] == span.text`` always holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of text that looks spun, with the likely original."""

    start: int
    end: int
    text: str
    suggestion: str
    score: float
    reason: str

    def to_dict(self) -> dict:
        return {**asdict(self), "score": float(self.score)}


@dataclass(frozen=True, slots=True)
class TorturedHit:
    """A known tortured phrase (Problematic Paper Screener) found in the text."""

    start: int
    end: int
    text: str
    expected: str
    fingerprint: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SentenceReport:
    """The probability that one sentence was spun."""

    start: int
    end: int
    probability: float

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "probability": float(self.probability)}


@dataclass(frozen=True, slots=True)
class Report:
    """Whether a text was machine-spun, where, and why.

    ``probability`` is calibrated; ``interval`` is a range for it that widens
    for short texts; ``tier`` is ``"fast"`` (no neural model: asked for, or a
    text of one or two words, which the LM cannot judge) or ``"full"``.
    ``strict_threshold`` is the probability above which the detector flagged at
    most 1% of its (cross-validated) clean training paragraphs: ``flagged``.
    """

    probability: float
    interval: tuple[float, float]
    words: int
    tier: str
    sentences: list[SentenceReport] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    tortured: list[TorturedHit] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    strict_threshold: float = 0.5

    @property
    def flagged(self) -> bool:
        return self.probability >= self.strict_threshold

    def to_dict(self) -> dict:
        return {
            "probability": float(self.probability),
            "interval": [float(self.interval[0]), float(self.interval[1])],
            "strict_threshold": float(self.strict_threshold),
            "flagged": bool(self.flagged),
            "words": int(self.words),
            "tier": self.tier,
            "sentences": [s.to_dict() for s in self.sentences],
            "spans": [s.to_dict() for s in self.spans],
            "tortured": [t.to_dict() for t in self.tortured],
            "features": {k: float(v) for k, v in self.features.items()},
        }
