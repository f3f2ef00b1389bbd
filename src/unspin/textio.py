"""Reading the user's text: UTF-8 checks with helpful errors, and bounded streaming.

Input is read through one reader class so that files and stdin get the same
checks (binary sniffing, exact byte offsets for bad UTF-8, empty input) and so
that a huge input can be processed in paragraph blocks without loading it whole.
"""

from __future__ import annotations

import codecs
import io
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

_BOM = codecs.BOM_UTF8
_SNIFF_BYTES = 8 * 1024
_READ_BYTES = 64 * 1024
# Text may carry tabs, newlines, form feeds and the odd ESC; other C0 bytes
# this common only turn up in binary formats.
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")
_MAX_CONTROL_SHARE = 0.10

# Places a block may end, best first: after a run of blank lines, after a line,
# after a sentence, after any whitespace.
_PARAGRAPH_END = re.compile(r"\n(?:[^\S\n]*\n)+")
_LINE_END = re.compile(r"\n")
_SENTENCE_END = re.compile(r"""[.!?]["'’”)\]]*\s+""")
_SPACE_RUN = re.compile(r"\s+")


class InputError(Exception):
    """A problem with the user's input that they can fix; shown without a traceback."""


class Utf8Reader(io.TextIOBase):
    """Decode a byte stream as strict UTF-8, turning every problem into an InputError.

    Newlines are passed through untouched (CRLF stays CRLF) and a leading BOM is
    dropped. The stream is consumed in small pieces, so memory use does not grow
    with the size of the input.
    """

    def __init__(self, raw: BinaryIO, name: str, path: Path | None = None) -> None:
        super().__init__()
        self._raw = raw
        self.name = name
        self._path = path  # for a conversion hint the user can paste
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._pending = ""
        self._bytes_fed = 0  # file offset of the next byte given to the decoder
        self._saw_text = False
        self._saw_content = False
        self._eof = False
        self._sniffed = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        """Up to ``size`` characters (all that is left if negative); "" only at the end."""
        while not self._eof and (size is None or size < 0 or len(self._pending) < size):
            self._decode_more()
        if size is None or size < 0:
            size = len(self._pending)
        text, self._pending = self._pending[:size], self._pending[size:]
        return text

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _decode_more(self) -> None:
        if not self._sniffed:
            data = self._sniff_first_bytes()
        else:
            data = self._raw.read(_READ_BYTES)
        already_buffered = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            offset = self._bytes_fed - already_buffered + error.start
            bad_byte = error.object[error.start]
            raise InputError(
                f"{self.name} is not valid UTF-8 (byte 0x{bad_byte:02x} at offset {offset}). "
                f"Convert it first, e.g. {self._iconv_hint('latin1')}"
            ) from None
        self._bytes_fed += len(data)
        self._saw_text = self._saw_text or text != ""
        self._saw_content = self._saw_content or text.strip() != ""
        self._pending += text
        if not data:
            self._eof = True
            if not self._saw_content:
                problem = "contains only whitespace" if self._saw_text else "is empty"
                raise InputError(f"{self.name} {problem}")

    def _sniff_first_bytes(self) -> bytes:
        """Reject binary input before decoding it, and drop a UTF-8 BOM."""
        self._sniffed = True
        head = self._raw.read(_SNIFF_BYTES)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise InputError(
                f"{self.name} is UTF-16, not UTF-8. Convert it first, e.g. {self._iconv_hint('utf-16')}"
            )
        if _looks_binary(head):
            raise InputError(f"{self.name} looks like a binary file, not text")
        if head.startswith(_BOM):
            self._bytes_fed = len(_BOM)  # keep reported offsets true to the file
            head = head[len(_BOM) :]
        return head

    def _iconv_hint(self, encoding: str) -> str:
        if self._path is None:
            return f"`iconv -f {encoding} -t utf-8`"
        converted = self._path.with_name(f"{self._path.stem}.utf8{self._path.suffix}")
        return f"`iconv -f {encoding} -t utf-8 {shlex.quote(str(self._path))} > {shlex.quote(str(converted))}`"


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if (byte < 0x20 or byte == 0x7F) and byte not in _TEXT_CONTROLS)
    return bool(head) and controls / len(head) > _MAX_CONTROL_SHARE


def open_text(path: str | Path) -> Utf8Reader:
    """Open a UTF-8 text file for streaming; close it (or use ``with``) when done."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a text file")
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    return Utf8Reader(raw, name=str(path), path=path)


def open_stdin() -> Utf8Reader:
    """Standard input with the same checks as a file; bytes, so no locale decoding."""
    return Utf8Reader(sys.stdin.buffer, name="standard input")


def open_input(source: str) -> Utf8Reader:
    """``-`` means standard input, anything else is a path."""
    return open_stdin() if source == "-" else open_text(source)


def read_text(path: str | Path) -> str:
    """The whole file as text, byte for byte apart from a leading BOM."""
    with open_text(path) as reader:
        return reader.read()


BLOCK_CHARS = 20_000  # the engine's unit of work: its context features look at one block at a time


def iter_paragraph_blocks(stream: TextIO, max_chars: int = BLOCK_CHARS) -> Iterator[str]:
    """Yield pieces of ``stream`` of at most ``max_chars`` characters each.

    Pieces end at paragraph boundaries when possible, so each can be restored
    on its own with its context intact; joining them gives back the input.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    buffer = ""
    while True:
        chunk = stream.read(max_chars)
        buffer += chunk
        while len(buffer) > max_chars:
            cut = _block_end(buffer, max_chars)
            yield buffer[:cut]
            buffer = buffer[cut:]
        if not chunk:
            break
    if buffer:
        yield buffer


def _block_end(text: str, limit: int) -> int:
    """The best place in ``text[:limit]`` to end a block (always > 0)."""
    window = text[:limit]
    for pattern in (_PARAGRAPH_END, _LINE_END, _SENTENCE_END, _SPACE_RUN):
        end = 0
        for match in pattern.finditer(window):
            end = match.end()
        if end > 0:
            return end
    return limit  # one enormous "word": nowhere better to cut


# English prose is about a third function words; other languages share few of ours.
_MIN_ENGLISH_FUNCTION_SHARE = 0.12
_MIN_WORDS_TO_JUDGE = 20


def english_function_share(text: str) -> float | None:
    """Share of words that are English function words; None when too short to judge."""
    from unspin.candidates import FUNCTION_WORDS

    words = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
    if len(words) < _MIN_WORDS_TO_JUDGE:
        return None
    return sum(w in FUNCTION_WORDS for w in words) / len(words)


def ensure_english(text: str, task: str = "restores") -> None:
    """Raise ``InputError`` for text that is clearly not English (restoring or checking it would
    be noise); ``task`` names what unspin would do, for the message."""
    share = english_function_share(text)
    if share is not None and share < _MIN_ENGLISH_FUNCTION_SHARE:
        raise InputError(
            f"the text does not look like English ({share:.0%} English function words); "
            f"unspin {task} English only (use --allow-non-english to try anyway)"
        )
