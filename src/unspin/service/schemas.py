"""Request and response bodies of the HTTP API (the OpenAPI schema at /docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The responses reuse the Python API's own data classes, so the two cannot drift apart.
from unspin.detect.types import SentenceReport, Span, TorturedHit
from unspin.types import Edit


class DocumentIn(BaseModel):
    """Either ``text``, or ``file``: a whole document in base64 (text, HTML, PDF or DOCX)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The text itself (UTF-8 JSON string).")
    file: str | None = Field(None, description="A document in base64 (a data: URL prefix is allowed).")
    filename: str | None = Field(None, max_length=255, description="The document's name; its extension helps.")
    content_type: str | None = Field(None, max_length=255, description="The document's media type, if known.")
    allow_non_english: bool = Field(False, description="Process text that does not look like English.")

    @model_validator(mode="after")
    def _one_source(self) -> DocumentIn:
        if (self.text is None) == (self.file is None):
            raise ValueError("give exactly one of `text` or `file`")
        return self


class RestoreRequest(DocumentIn):
    min_confidence: float = Field(0.5, ge=0.0, le=1.0, description="Only make edits at least this sure.")
    spun: bool | None = Field(
        None, description="true: the text is known to be spun (bolder edits); false: believed clean (only the "
                          "surest); null: the fast spun-text check judges.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "It received't rule out new tariffs, a move that could have vital effects."}]},
    )


class CheckRequest(DocumentIn):
    fast: bool = Field(False, description="Skip the language-model features (quicker, less accurate).")
    spun: bool = Field(False, description="The text is known to be spun: show where (spans as for a text the "
                                          "check judged spun); the probability stays the check's own.")


_SOURCE = "The input text (extracted from the document for a file); the offsets refer to it."
_FORMAT = "How the input was read: text, html, pdf or docx."


class RestoreResponse(BaseModel):
    """``unspin.restore()``'s ``Restoration.to_dict()``, plus the text the offsets refer to."""

    text: str = Field(description="The restored text.")
    edits: list[Edit] = Field(description="One per restored span: spun → original, confidence, alternatives.")
    source: str = Field(description=_SOURCE)
    format: str = Field(description=_FORMAT)


class CheckResponse(BaseModel):
    """``unspin.check()``'s ``Report.to_dict()``, plus the text the offsets refer to."""

    probability: float = Field(description="Calibrated probability that the text was spun.")
    interval: tuple[float, float]
    strict_threshold: float = Field(
        description="Probability at or above which the detector flagged at most 1 % of clean training texts.")
    flagged: bool = Field(description="probability ≥ strict_threshold: spun, with few false alarms.")
    words: int
    tier: str = Field(description="fast (no neural model) or full.")
    sentences: list[SentenceReport]
    spans: list[Span]
    tortured: list[TorturedHit] = Field(description="Known tortured phrases: the phrase found and the term expected.")
    features: dict[str, float]
    source: str = Field(description=_SOURCE)
    format: str = Field(description=_FORMAT)


class Health(BaseModel):
    status: str
    version: str
    model_loaded: bool
    check_available: bool
    workers: int
    capacity: int
    admitted: int


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
