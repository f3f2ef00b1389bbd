"""Document readers (text, HTML, PDF, DOCX) shared by the CLI and the HTTP service."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from unspin.readers import DOCX, HTML, PDF, TEXT, detect_format, open_document, read_document
from unspin.textio import InputError, Utf8Reader

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PARAGRAPHS = EXAMPLES.joinpath("spun-news.txt").read_text(encoding="utf-8").split("\n\n")[:3]


def make_pdf(paragraphs: list[str], **encryption: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    if encryption:
        pdf.set_encryption(**encryption)
    return bytes(pdf.output())


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    sink = io.BytesIO()
    document.save(sink)
    return sink.getvalue()


def make_html(paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><title>News</title></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/about'>About us</a></nav>"
        f"<article><h1>Tariffs</h1>{body}</article>"
        "<footer>Copyright 2026 Example News. All rights reserved.</footer></body></html>"
    ).encode()


def words(text: str) -> list[str]:
    return text.split()


# --- each format gives back the words that were written ---------------------------------


def test_pdf_paragraphs_come_back_unwrapped() -> None:
    text = read_document(make_pdf(PARAGRAPHS), "story.pdf")
    assert text.split("\n\n") == [p.strip() for p in PARAGRAPHS]


def test_docx_paragraphs_come_back() -> None:
    text = read_document(make_docx(PARAGRAPHS), "story.docx")
    assert text.split("\n\n") == PARAGRAPHS


def test_html_gives_the_article_without_navigation_or_footer() -> None:
    text = read_document(make_html(PARAGRAPHS), "story.html")
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "About us" not in text and "All rights reserved" not in text


def test_plain_text_is_kept_byte_for_byte_without_the_bom() -> None:
    original = "First line\r\n\r\nSecond paragraph, with “quotes”.\n"
    assert read_document(b"\xef\xbb\xbf" + original.encode(), "notes.txt") == original


def test_a_pdf_is_read_as_a_pdf_whatever_its_name() -> None:
    data = make_pdf(PARAGRAPHS[:1])
    assert detect_format(data, "notes.txt", "text/plain") == PDF
    assert words(read_document(data, "notes.txt")) == words(PARAGRAPHS[0])


@pytest.mark.parametrize(
    ("head", "name", "content_type", "expected"),
    [
        (b"hello", "a.txt", None, TEXT),
        (b"hello", None, None, TEXT),
        (b"<!doctype html><p>x", None, None, HTML),
        (b"<p>x</p>", "page.htm", None, HTML),
        (b"<p>x</p>", None, "text/html; charset=utf-8", HTML),
        (b"PK\x03\x04rest", "x.bin", None, DOCX),
    ],
)
def test_format_detection(head: bytes, name: str | None, content_type: str | None, expected: str) -> None:
    assert detect_format(head, name, content_type) == expected


# --- what cannot be read says why, in one line ------------------------------------------


def zip_without_word_document() -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return sink.getvalue()


@pytest.mark.parametrize(
    ("make", "name", "content_type", "message"),
    [
        (lambda: b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.doc", None, "old Office file"),
        (lambda: b"plain words", "thesis.doc", None, "save it as .docx"),
        (lambda: b"plain words", "paper.pdf", None, "is not a PDF file"),
        (lambda: b"plain words", "upload", "application/pdf", "is not a PDF file"),
        (lambda: b"\x89PNG\r\n", "photo", "image/png", "unsupported file type"),
        (lambda: b"%PDF-1.7\n garbage that is not a PDF", "broken.pdf", None, "not a readable PDF"),
        (lambda: make_pdf(PARAGRAPHS[:1], owner_password="o", user_password="secret"), "locked.pdf", None,
         "encrypted PDF"),
        (lambda: make_pdf([]), "scan.pdf", None, "no text layer"),
        (zip_without_word_document, "book.xlsx", None, "not a Word document"),
        (lambda: b"PK\x03\x04 truncated", "broken.docx", None, "not a readable DOCX"),
        (lambda: make_docx([]), "empty.docx", None, "has no text"),
        (lambda: b"<html><body><script>var x = 1;</script></body></html>", "empty.html", None, "no article text"),
        (lambda: "caf\xe9".encode("latin-1"), "latin.txt", None, "not valid UTF-8"),
        (lambda: b"   \n\n ", "blank.txt", None, "contains only whitespace"),
    ],
)
def test_unreadable_documents_raise_input_error(make, name: str, content_type: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_document(make(), name, content_type)
    assert "\n" not in str(caught.value)


# --- the CLI reads documents through the same readers ------------------------------------


def test_open_document_streams_text_and_parses_documents(tmp_path: Path) -> None:
    text_file = tmp_path / "story.txt"
    text_file.write_text(PARAGRAPHS[0], encoding="utf-8")
    pdf_file = tmp_path / "story.pdf"
    pdf_file.write_bytes(make_pdf(PARAGRAPHS[:1]))
    with open_document(str(text_file)) as reader:
        assert isinstance(reader, Utf8Reader)  # plain text is streamed, not read whole
        assert reader.read() == PARAGRAPHS[0]
    with open_document(str(pdf_file)) as reader:
        assert words(reader.read()) == words(PARAGRAPHS[0])


def test_cli_reports_an_unreadable_pdf_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "paper.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really")
    result = subprocess.run([sys.executable, "-m", "unspin", "restore", str(broken)],
                            capture_output=True, timeout=120)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert stderr.startswith("unspin: error: ") and "not a readable PDF" in stderr
    assert "Traceback" not in stderr and result.stdout == b""


@pytest.mark.slow
def test_cli_restores_a_pdf(tmp_path: Path) -> None:
    from unspin.evaluation.metrics import word_error_rate

    original = EXAMPLES.joinpath("spun-news.original.txt").read_text(encoding="utf-8").split("\n\n")[:2]
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(make_pdf(PARAGRAPHS[:2]))
    result = subprocess.run([sys.executable, "-m", "unspin", "restore", str(paper)],
                            capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr.decode()
    restored = result.stdout.decode()
    reference, spun = " ".join(original), " ".join(PARAGRAPHS[:2])
    assert word_error_rate(reference, restored) < word_error_rate(reference, spun)


@pytest.mark.parametrize("kind", ["html", "pdf", "text"])
def test_standard_input_is_read_by_its_first_bytes(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"html": make_html(PARAGRAPHS[:1]), "pdf": make_pdf(PARAGRAPHS[:1]), "text": PARAGRAPHS[0].encode()}[kind]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    with open_document("-") as reader:
        text = reader.read()
    assert words(text) == words(PARAGRAPHS[0]) or (kind == "html" and PARAGRAPHS[0] in text)
    assert "<" not in text
