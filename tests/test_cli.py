"""The ``unspin`` command, run as a real subprocess the way users run it."""

from __future__ import annotations

import difflib
import io
import json
import os
import pty
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import unspin
from unspin.cli import DiffWriter, JsonWriter, TextWriter
from unspin.textio import iter_paragraph_blocks
from unspin.types import Edit, Restoration, apply_edits

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SPUN = EXAMPLES / "spun-news.txt"
ORIGINAL = EXAMPLES / "spun-news.original.txt"


def run_unspin(
    *args: str | Path, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "unspin", *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=1800,
        env={**os.environ, **(env or {})},
    )


def assert_user_error(result: subprocess.CompletedProcess[bytes], *expected: str) -> str:
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert stderr.startswith("unspin: error: ")
    assert "Traceback" not in stderr
    assert result.stdout == b""
    for fragment in expected:
        assert fragment in stderr
    return stderr


# --- input errors: one line on stderr, exit 2 ----------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert_user_error(run_unspin("restore", tmp_path / "absent.txt"), "absent.txt: no such file")


def test_directory(tmp_path: Path) -> None:
    assert_user_error(run_unspin("restore", tmp_path), "is a directory")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert_user_error(run_unspin("restore", empty), "empty.txt is empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"\n  \r\n\t\n")
    assert_user_error(run_unspin("restore", blank), "only whitespace")


def test_binary_file(tmp_path: Path) -> None:
    picture = tmp_path / "picture.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_user_error(run_unspin("restore", picture), "binary")


def test_latin1_file(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Le café est fermé.\n".encode("latin-1"))
    assert_user_error(run_unspin("restore", latin), "not valid UTF-8", "offset 6", "iconv -f latin1 -t utf-8")


def test_binary_stdin() -> None:
    assert_user_error(run_unspin("restore", "-", stdin=b"\x00\x01\x02PK\x03\x04" * 50), "standard input", "binary")


def test_latin1_stdin_without_file_argument() -> None:
    assert_user_error(run_unspin("restore", stdin="naïve\n".encode("latin-1")), "standard input", "offset 2")


def test_spin_reports_input_errors_the_same_way(tmp_path: Path) -> None:
    assert_user_error(run_unspin("spin", tmp_path / "absent.txt"), "no such file")


def test_failed_run_leaves_an_existing_output_file_alone(tmp_path: Path) -> None:
    output = tmp_path / "restored.txt"
    output.write_text("previous result")
    assert_user_error(run_unspin("restore", tmp_path / "absent.txt", "--output", output))
    assert output.read_text() == "previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["restored.txt"]


# --- usage errors: click's message, exit 2 ---------------------------------------


def test_unknown_option() -> None:
    result = run_unspin("restore", "--bogus", SPUN)
    assert result.returncode == 2
    assert "No such option" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


@pytest.mark.parametrize("value", ["7", "-0.1", "high"])
def test_min_confidence_out_of_range(value: str) -> None:
    result = run_unspin("restore", "--min-confidence", value, SPUN)
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "--min-confidence" in stderr
    assert "Traceback" not in stderr


def test_unknown_format() -> None:
    result = run_unspin("restore", "--format", "xml", SPUN)
    assert result.returncode == 2
    assert "--format" in result.stderr.decode()


# --- help, version, resources path ------------------------------------------------


def test_help_lists_the_commands() -> None:
    result = run_unspin("--help")
    assert result.returncode == 0
    for command in ("restore", "spin", "resources"):
        assert command in result.stdout.decode()


def test_version_is_the_package_version() -> None:
    result = run_unspin("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"unspin {unspin.__version__}"


@pytest.mark.parametrize("argv", [["--help"], ["restore", "--help"], ["--version"]])
def test_help_and_version_do_not_load_torch(argv: list[str]) -> None:
    probe = (
        "import sys\n"
        "from unspin.cli import app\n"
        "try:\n"
        f"    app({argv!r}, prog_name='unspin')\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "False"


def test_resources_path_prints_the_configured_home(tmp_path: Path) -> None:
    home = tmp_path / "unspin-home"
    result = run_unspin("resources", "path", env={"UNSPIN_HOME": str(home)})
    assert result.returncode == 0
    assert result.stdout.decode().strip() == str(home)
    assert home.is_dir()


# --- output writers, fed real blocks and real edits (no engine needed) ------------


def swap_edits(block: str, spun: str, original: str) -> Restoration:
    """A restoration that turns every ``spun`` in ``block`` into ``original``."""
    edits = [Edit(m.start(), m.end(), spun, original, 0.9) for m in re.finditer(re.escape(spun), block)]
    return Restoration(apply_edits(block, edits), edits, block)


def write_all(writer: TextWriter, text: str, max_chars: int) -> None:
    offset = 0
    for block in iter_paragraph_blocks(io.StringIO(text), max_chars):
        writer.write(block, swap_edits(block, "White Home", "White House"), offset)
        offset += len(block)
    writer.finish()


def test_json_writer_gives_absolute_offsets_across_blocks() -> None:
    text = SPUN.read_text(encoding="utf-8") + '\n"Quoted \\ text" — ünïcode\r\n\nThe White Home again.\n'
    sink = io.StringIO()
    write_all(JsonWriter(sink), text, max_chars=300)
    document = json.loads(sink.getvalue())
    assert document["text"] == text.replace("White Home", "White House")
    assert [edit["start"] for edit in document["edits"]] == [m.start() for m in re.finditer("White Home", text)]
    assert len(document["edits"]) == 2
    for edit in document["edits"]:
        assert text[edit["start"] : edit["end"]] == edit["spun"] == "White Home"
    assert sink.getvalue().endswith("}\n")


def test_text_writer_output_is_the_restored_text_exactly() -> None:
    text = "less\r\nThe White Home said.\r\n\r\n\n  tail without newline"
    sink = io.StringIO()
    write_all(TextWriter(sink), text, max_chars=24)
    assert sink.getvalue() == text.replace("White Home", "White House")


def test_plain_diff_marks_edits_inline_and_nothing_else() -> None:
    text = SPUN.read_text(encoding="utf-8")
    sink = io.StringIO()
    write_all(DiffWriter(sink, colour=False), text, max_chars=400)
    assert "[-White Home-]{+White House+}" in sink.getvalue()
    assert sink.getvalue().replace("{+White House+}", "").replace("[-White Home-]", "White Home") == text


def test_coloured_diff_uses_ansi_codes() -> None:
    sink = io.StringIO()
    DiffWriter(sink, colour=True).write("The White Home.", swap_edits("The White Home.", "White Home", "White House"), 0)
    assert "\x1b[" in sink.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", sink.getvalue()) == "The [-White Home-]{+White House+}."


# --- with the engine (slow: needs built resources and the language model) --------


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def differing_words(a: str, b: str) -> int:
    matcher = difflib.SequenceMatcher(a=words(a), b=words(b), autojunk=False)
    return max(len(words(a)), len(words(b))) - sum(block.size for block in matcher.get_matching_blocks())


@pytest.mark.slow
def test_restore_text_brings_the_example_closer_to_the_original() -> None:
    result = run_unspin("restore", SPUN)
    assert result.returncode == 0, result.stderr.decode()
    restored = result.stdout.decode()
    spun, original = SPUN.read_text(encoding="utf-8"), ORIGINAL.read_text(encoding="utf-8")
    assert restored.endswith("close of trading.\n")  # no extra newline, none lost
    assert restored.count("\n") == spun.count("\n")
    assert differing_words(restored, original) < differing_words(spun, original)


@pytest.mark.slow
def test_restore_json_edits_rebuild_the_text_from_the_input() -> None:
    spun = SPUN.read_text(encoding="utf-8")
    result = run_unspin("restore", SPUN, "--format", "json", "--block-chars", "500")  # several blocks
    assert result.returncode == 0, result.stderr.decode()
    document = json.loads(result.stdout)
    edits = [Edit(**{**e, "alternatives": tuple(map(tuple, e["alternatives"]))}) for e in document["edits"]]
    assert len(edits) >= 3
    assert all(spun[e.start : e.end] == e.spun for e in edits)
    assert all(e.confidence >= 0.5 for e in edits)
    assert apply_edits(spun, edits) == document["text"]


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["--spun", "--not-spun"])
def test_restore_takes_the_callers_word_on_whether_the_text_was_spun(flag: str) -> None:
    text = "The model was trained with profound learning on a huge information set."
    result = run_unspin("restore", "-", "--format", "json", "--min-confidence", "0", flag, stdin=text.encode())
    assert result.returncode == 0, result.stderr.decode()
    edits = [(e["start"], e["original"], round(e["confidence"], 4)) for e in json.loads(result.stdout)["edits"]]
    expected = unspin.restore(text, min_confidence=0.0, spun=flag == "--spun").edits
    assert edits == [(e.start, e.original, round(e.confidence, 4)) for e in expected]


@pytest.mark.slow
def test_restore_diff_is_the_input_with_edits_marked(tmp_path: Path) -> None:
    result = run_unspin("restore", SPUN, "--format", "diff")
    assert result.returncode == 0, result.stderr.decode()
    diff = result.stdout.decode()
    assert "\x1b[" not in diff  # not a terminal: no colour
    assert re.search(r"\[-[^\]]+-\]\{\+[^}]+\+\}", diff)
    unmarked = re.sub(r"\{\+.*?\+\}", "", re.sub(r"\[-(.*?)-\]", r"\1", diff))
    assert unmarked == SPUN.read_text(encoding="utf-8")


@pytest.mark.slow
def test_restore_keeps_crlf_drops_bom_and_reads_stdin(tmp_path: Path) -> None:
    spun = SPUN.read_text(encoding="utf-8").replace("\n", "\r\n")
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"\xef\xbb\xbf" + spun.encode())
    output = tmp_path / "restored.txt"

    from_file = run_unspin("restore", crlf, "--output", output)
    from_stdin = run_unspin("restore", "-", stdin=crlf.read_bytes())
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_file.stdout == b""
    restored = output.read_bytes()
    assert restored == from_stdin.stdout
    assert not restored.startswith(b"\xef\xbb\xbf")
    assert restored.count(b"\r\n") == spun.count("\r\n")
    assert restored.count(b"\n") == spun.count("\n")
    assert restored.endswith(b"close of trading.\r\n")


@pytest.mark.slow
def test_spin_json_is_repeatable_and_its_edits_point_into_the_spun_text() -> None:
    first = run_unspin("spin", ORIGINAL, "--rate", "0.3", "--seed", "7", "--format", "json")
    second = run_unspin("spin", "-", "--rate", "0.3", "--seed", "7", "--format", "json", stdin=ORIGINAL.read_bytes())
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert document["edits"]
    for edit in document["edits"]:
        assert document["text"][edit["start"] : edit["end"]] == edit["spun"]
        assert edit["original"].lower() in ORIGINAL.read_text(encoding="utf-8").lower()


def test_interrupt_exits_130_quietly() -> None:
    # With a terminal as stdin the CLI says it is waiting for input; once it
    # has, it is blocked on the read: a dependable moment to interrupt it.
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "unspin", "restore"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # shells may ignore it
    )
    try:
        assert process.stderr is not None
        assert b"reading standard input" in process.stderr.readline()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 130, stderr.decode()
    assert stdout == b""
    assert b"Traceback" not in stderr
    assert b"Aborted" not in stderr


def test_non_english_text_is_refused(tmp_path: Path) -> None:
    french = tmp_path / "article.txt"
    french.write_text(
        "Le gouvernement a annoncé mardi une série de mesures pour soutenir les entreprises touchées par "
        "la crise, notamment des prêts garantis par l'État et un report des charges sociales.\n",
        encoding="utf-8",
    )
    assert_user_error(run_unspin("restore", french), "does not look like English", "--allow-non-english")
