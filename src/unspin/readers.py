"""Documents in, plain text out: UTF-8 text, HTML, PDF and DOCX.

One set of readers serves the command line (``unspin restore paper.pdf``) and
the HTTP service (a base64 upload). The format is taken from the file name or
content type when one is given and checked against the first bytes, so a PDF
called ``notes.txt`` is still read as a PDF. Every problem the user can fix
(a scanned PDF, an encrypted one, a spreadsheet, bad UTF-8) becomes an
``InputError`` with a one-line message.

Plain text from a file or standard input is streamed (see ``textio``); the
other formats are parsed whole, as their libraries require.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from unspin.textio import InputError, Utf8Reader, open_input

TEXT, HTML, PDF, DOCX = "text", "html", "pdf", "docx"
FORMATS = (TEXT, HTML, PDF, DOCX)

_EXTENSIONS = {
    ".txt": TEXT, ".text": TEXT, ".md": TEXT, ".rst": TEXT, "": TEXT,
    ".html": HTML, ".htm": HTML, ".xhtml": HTML,
    ".pdf": PDF,
    ".docx": DOCX,
}
_CONTENT_TYPES = {
    "text/plain": TEXT, "text/markdown": TEXT,
    "text/html": HTML, "application/xhtml+xml": HTML,
    "application/pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
}
# Formats people try that we cannot read, with what to do instead.
_UNSUPPORTED = {
    ".doc": "Word 97-2003 (.doc) files are not supported; save it as .docx",
    ".odt": "OpenDocument (.odt) files are not supported; save it as .docx or PDF",
    ".rtf": "RTF files are not supported; save it as .docx or plain text",
    ".epub": "EPUB files are not supported; convert it to HTML or plain text",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .doc, .xls, .ppt
_ZIP_MAGIC = b"PK\x03\x04"
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # a DOCX inflating beyond this is a zip bomb


def detect_format(head: bytes, name: str | None = None, content_type: str | None = None) -> str:
    """One of ``FORMATS`` for a document starting with ``head`` (its first few KiB)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_ZIP_MAGIC):
        return DOCX  # checked for word/document.xml when read
    if head.startswith(_OLE_MAGIC):
        raise InputError(f"{name or 'the upload'} is an old Office file (.doc/.xls); save it as .docx or PDF")
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in _UNSUPPORTED:
        raise InputError(f"{name}: {_UNSUPPORTED[suffix]}")
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime.startswith(("image/", "audio/", "video/", "font/")):
        raise InputError(f"{name or 'the upload'}: unsupported file type {mime!r}; send text, HTML, PDF or DOCX")
    by_name = _EXTENSIONS.get(suffix) if name else None
    declared = by_name if by_name not in (None, TEXT) else (_CONTENT_TYPES.get(mime) or by_name)
    if declared in (PDF, DOCX):
        kind = "PDF" if declared == PDF else "DOCX"
        raise InputError(f"{name or 'the upload'} is named or typed as {kind} but is not a {kind} file")
    if declared == HTML or _HTML_START.match(head[:4096]):
        return HTML
    return TEXT


def read_document(data: bytes, name: str | None = None, content_type: str | None = None) -> str:
    """The text of a whole document given as bytes (an upload)."""
    label = name or "the upload"
    kind = detect_format(data[:8192], name, content_type)
    if kind == TEXT:
        with Utf8Reader(io.BytesIO(data), name=label) as reader:
            return reader.read()
    return _READERS[kind](data, label)


@contextmanager
def open_document(source: str) -> Iterator[TextIO]:
    """A text stream for a path or ``-``: plain text streamed, documents parsed whole."""
    if source == "-":
        raw = sys.stdin.buffer
        head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
        if detect_format(head) != TEXT:  # a PDF, DOCX or HTML page piped in
            yield io.StringIO(read_document(raw.read(), "standard input"))
            return
    else:
        path = Path(source)
        if path.is_file():
            try:
                with path.open("rb") as raw_file:
                    head = raw_file.read(8192)
            except OSError as error:
                raise InputError(f"{path}: cannot be read ({error.strerror})") from None
            if detect_format(head, path.name) != TEXT:
                yield io.StringIO(read_document(path.read_bytes(), str(path)))
                return
    with open_input(source) as reader:
        yield reader


# --- the formats ----------------------------------------------------------------


def _read_html(data: bytes, label: str) -> str:
    import trafilatura

    try:
        text = trafilatura.extract(data, include_comments=False, include_tables=True, favor_recall=True)
    except Exception as error:  # trafilatura/lxml raise many types on broken markup
        raise InputError(f"{label}: the HTML could not be parsed ({type(error).__name__})") from None
    if not text or not text.strip():
        raise InputError(f"{label}: no article text found in the HTML")
    return text


def _read_pdf(data: bytes, label: str) -> str:
    import logging

    import pypdf
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken files warn on every object
    try:
        pdf = pypdf.PdfReader(io.BytesIO(data))
        if pdf.is_encrypted:
            try:
                opened = pdf.decrypt("")  # many PDFs are "encrypted" with an empty password
            except Exception:
                opened = False
            if not opened:
                raise FileNotDecryptedError("a password is needed")
        pages = [page.extract_text() or "" for page in pdf.pages]
    except FileNotDecryptedError:
        raise InputError(f"{label} is an encrypted PDF; remove the password first") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise InputError(f"{label} is not a readable PDF ({type(error).__name__})") from None
    text = "\n\n".join(part for part in (_unwrap_lines(page) for page in pages) if part)
    if not text.strip():
        raise InputError(f"{label}: the PDF has no text layer (a scan?); run OCR on it first")
    return text


def _unwrap_lines(page: str) -> str:
    """Join a PDF page's wrapped lines into paragraphs.

    A line break is kept as a paragraph break where the line ends a sentence
    short of the page's full width (a false break there is harmless: the
    engine works sentence by sentence); a word hyphenated across lines is
    joined; other breaks become spaces.
    """
    lines = [line.strip() for line in page.splitlines()]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if current.endswith("-") and current[-2:-1].isalpha() and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        if re.search(r"""[.!?:]["'’”)]*$""", line) and len(line) < 0.9 * width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _read_docx(data: bytes, label: str) -> str:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise InputError(f"{label} is not a readable DOCX file (a broken zip archive)") from None
    if "word/document.xml" not in names:
        raise InputError(f"{label} is a zip archive but not a Word document; send text, HTML, PDF or DOCX")
    if unzipped > _MAX_UNZIPPED_BYTES:
        raise InputError(f"{label} unpacks to more than {_MAX_UNZIPPED_BYTES // 2**20} MiB")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx and lxml raise many types on broken files
        raise InputError(f"{label} is not a readable DOCX file ({type(error).__name__})") from None
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append("\t".join(cell.text for cell in row.cells))
    text = "\n\n".join(p.strip() for p in paragraphs if p.strip())
    if not text:
        raise InputError(f"{label}: the Word document has no text")
    return text


_READERS = {HTML: _read_html, PDF: _read_pdf, DOCX: _read_docx}
