"""Reading input: errors users can act on, exact bytes, and bounded streaming."""

from __future__ import annotations

import io
import re
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unspin.textio import InputError, Utf8Reader, iter_paragraph_blocks, open_text, read_text

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"


def write(tmp_path: Path, data: bytes, name: str = "input.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- read_text: errors ---------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "absent.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is empty"):
        read_text(write(tmp_path, b""))


def test_bom_only_file_counts_as_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is empty"):
        read_text(write(tmp_path, b"\xef\xbb\xbf"))


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only whitespace"):
        read_text(write(tmp_path, b" \n\t\r\n\n  "))


def test_binary_file_with_nul_bytes(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="binary"):
        read_text(write(tmp_path, PNG_HEADER + bytes(range(256)) * 4, "picture.png"))


def test_binary_file_without_nul_but_many_control_bytes(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="binary"):
        read_text(write(tmp_path, b"ab\x01\x02\x03\x04\x05cd\x06\x07\x08" * 100))


def test_utf16_file_gets_its_own_hint(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="UTF-16.*iconv -f utf-16"):
        read_text(write(tmp_path, "hello\n".encode("utf-16")))


def test_latin1_file_names_the_byte_offset_and_a_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "The café opened.\n".encode("latin-1"), "news.txt")
    with pytest.raises(InputError) as caught:
        read_text(path)
    message = str(caught.value)
    assert "not valid UTF-8" in message
    assert "0xe9 at offset 7" in message
    assert f"iconv -f latin1 -t utf-8 {path} > {tmp_path / 'news.utf8.txt'}" in message


def test_bad_byte_offset_is_exact_far_into_a_file(tmp_path: Path) -> None:
    # Past the sniffed head and several read chunks, with a BOM in front:
    # the offset must still be the byte's position in the file.
    data = b"\xef\xbb\xbf" + "é".encode() * 50_000 + b"\xff" + b"tail"
    with pytest.raises(InputError, match=r"0xff at offset 100003\b"):
        read_text(write(tmp_path, data))


def test_truncated_sequence_at_end_of_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"0xe2 at offset 5\b"):
        read_text(write(tmp_path, b"text \xe2\x82"))


# --- read_text: what comes back ------------------------------------------------


def test_bom_is_stripped_and_nothing_else_changes(tmp_path: Path) -> None:
    body = "Line one\r\nLine two\n\n\tIndented  “quoted” naïve\r\n"
    assert read_text(write(tmp_path, b"\xef\xbb\xbf" + body.encode())) == body


def test_multibyte_characters_across_read_chunks_decode(tmp_path: Path) -> None:
    # 8 KiB sniff + 64 KiB reads: odd-length padding puts a 3-byte character
    # across each chunk boundary.
    body = "x" + "€" * 40_000 + "\n"
    assert read_text(write(tmp_path, body.encode())) == body


def test_reader_on_a_byte_stream_behaves_like_a_file() -> None:
    reader = Utf8Reader(io.BytesIO("ab\r\ncd".encode()), name="standard input")
    assert reader.read(3) == "ab\r"
    assert reader.read() == "\ncd"
    assert reader.read() == ""


def test_reader_on_binary_stdin_names_it() -> None:
    with pytest.raises(InputError, match="^standard input looks like a binary file"):
        Utf8Reader(io.BytesIO(PNG_HEADER), name="standard input").read()


# --- iter_paragraph_blocks -----------------------------------------------------

texts = st.text(alphabet=st.sampled_from("ab é.!?\n\r\t\"”"), max_size=400)


@given(text=texts, max_chars=st.integers(min_value=1, max_value=60))
def test_blocks_join_back_to_the_input(text: str, max_chars: int) -> None:
    blocks = list(iter_paragraph_blocks(io.StringIO(text), max_chars=max_chars))
    assert "".join(blocks) == text
    assert all(0 < len(block) <= max_chars for block in blocks)


@given(
    paragraphs=st.lists(st.text(alphabet="abc .\n", min_size=1, max_size=25).map(str.strip).filter(bool), min_size=1),
    max_chars=st.integers(min_value=30, max_value=200),
)
def test_paragraphs_that_fit_are_never_split(paragraphs: list[str], max_chars: int) -> None:
    paragraphs = [re.sub(r"\s*\n\s*", "\n", p) for p in paragraphs]  # no blank line inside a paragraph
    text = "\n\n".join(paragraphs) + "\n"
    blocks = list(iter_paragraph_blocks(io.StringIO(text), max_chars=max_chars))
    assert "".join(blocks) == text
    for block in blocks[:-1]:
        assert block.endswith("\n\n")


def test_blocks_are_as_large_as_allowed() -> None:
    text = "One two.\n\nThree four.\n\nFive six.\n"
    assert list(iter_paragraph_blocks(io.StringIO(text), max_chars=24)) == [
        "One two.\n\nThree four.\n\n",
        "Five six.\n",
    ]


def test_long_paragraph_splits_at_a_line_end() -> None:
    text = "first line here\nsecond line here\nthird"
    blocks = list(iter_paragraph_blocks(io.StringIO(text), max_chars=36))
    assert blocks == ["first line here\nsecond line here\n", "third"]


def test_long_line_splits_at_a_sentence_end() -> None:
    text = "It rained. Roads were shut by noon today"
    blocks = list(iter_paragraph_blocks(io.StringIO(text), max_chars=20))
    assert blocks[0] == "It rained. "


def test_long_sentence_splits_at_a_space() -> None:
    blocks = list(iter_paragraph_blocks(io.StringIO("alpha beta gamma delta"), max_chars=12))
    assert blocks == ["alpha beta ", "gamma delta"]


def test_a_word_longer_than_a_block_is_cut_hard() -> None:
    assert list(iter_paragraph_blocks(io.StringIO("x" * 25), max_chars=10)) == ["x" * 10, "x" * 10, "x" * 5]


def test_empty_stream_gives_no_blocks() -> None:
    assert list(iter_paragraph_blocks(io.StringIO(""))) == []


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(ValueError):
        next(iter_paragraph_blocks(io.StringIO("text"), max_chars=0))


def test_fifty_megabytes_stream_in_bounded_blocks(tmp_path: Path) -> None:
    paragraph = ("The council met on Tuesday and named a new chair. " * 12).strip() + "\n\n"
    one_long_line = "word " * 200_000  # a megabyte with no line break at all
    body = paragraph * 80_000 + one_long_line + "\n" + paragraph * 8_000
    path = write(tmp_path, body.encode())
    assert path.stat().st_size > 50_000_000

    max_chars = 20_000
    total = count = peak_block = 0
    tracemalloc.start()
    try:
        with open_text(path) as reader:
            for block in iter_paragraph_blocks(reader, max_chars=max_chars):
                total += len(block)
                count += 1
                peak_block = max(peak_block, len(block))
        _, peak_memory = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total == len(body)
    assert peak_block <= max_chars
    assert count >= len(body) // max_chars
    assert peak_memory < 5_000_000  # a whole read would need > 50 MB


FRENCH = (
    "Le gouvernement a annoncé mardi une série de mesures pour soutenir les entreprises touchées par "
    "la crise, notamment des prêts garantis par l'État et un report des charges sociales pour les petites "
    "entreprises du secteur de la restauration."
)
ENGLISH = (
    "The government announced on Tuesday a series of measures to support the businesses hit by the "
    "crisis, including loans guaranteed by the state and a delay in social charges for the small firms "
    "of the restaurant trade."
)


def test_english_is_told_from_other_languages() -> None:
    from unspin.textio import ensure_english, english_function_share

    assert english_function_share(ENGLISH) > english_function_share(FRENCH)
    ensure_english(ENGLISH)
    ensure_english("Trop court pour juger.")  # too short to judge: let it through
    with pytest.raises(InputError, match="does not look like English"):
        ensure_english(FRENCH)
