"""The ``unspin`` command line.

Heavy modules (the engine, torch, the spinner, resource builders) are imported
inside the commands, so ``unspin --help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from enum import Enum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.status import Status
from rich.text import Text

from unspin import __version__
from unspin.textio import BLOCK_CHARS, InputError, ensure_english, iter_paragraph_blocks, open_input
from unspin.types import Edit, Restoration

app = typer.Typer(
    help="Restore text that an automatic article spinner rewrote.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals would dump whole text blocks
)
resources_app = typer.Typer(
    help="Build or locate the data unspin needs (thesaurus, channel table, language model).",
    no_args_is_help=True,
)
app.add_typer(resources_app, name="resources")


class RestoreFormat(str, Enum):
    text = "text"
    json = "json"
    diff = "diff"


class SpinFormat(str, Enum):
    text = "text"
    json = "json"


SourceArgument = Annotated[
    str, typer.Argument(metavar="FILE|-", help="UTF-8 text file; '-' or nothing reads standard input.")
]
DocumentArgument = Annotated[
    str,
    typer.Argument(
        metavar="FILE|-",
        help="UTF-8 text, HTML, PDF or Word (.docx) file; '-' or nothing reads standard input.",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", dir_okay=False, help="Write here instead of standard output."),
]


def _show_version(requested: bool) -> None:
    if requested:
        typer.echo(f"unspin {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Restore text that an automatic article spinner rewrote."""


@app.command()
def restore(
    source: DocumentArgument = "-",
    output_format: Annotated[
        RestoreFormat,
        typer.Option("--format", "-f", help="text: the restored text; json: text and edits; diff: edits inline."),
    ] = RestoreFormat.text,
    min_confidence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Only make edits at least this sure (0 to 1).")
    ] = 0.5,
    spun: Annotated[
        bool | None,
        typer.Option("--spun/--not-spun", show_default=False,
                     help="Say the text is known to be spun (bolder edits: a flagged phrase, a known spun copy) "
                          "or believed clean (only the surest); by default the fast spun-text check judges."),
    ] = None,
    output: OutputOption = None,
    block_chars: Annotated[int, typer.Option(min=1, hidden=True, help="Largest block given to the engine.")] = BLOCK_CHARS,
    allow_non_english: Annotated[
        bool, typer.Option("--allow-non-english", help="Restore even text that does not look like English.")
    ] = False,
) -> None:
    """Restore the original words of spun text, paragraph block by paragraph block."""
    with _reported_errors():
        from unspin.engine import restore_blocks  # torch loads on the first block, not at startup
        from unspin.readers import open_document

        _hint_if_typing(source)
        colour = output is None and output_format is RestoreFormat.diff and sys.stdout.isatty()

        def blocks(reader: TextIO, status) -> Iterator[str]:
            for number, block in enumerate(iter_paragraph_blocks(reader, block_chars), start=1):
                if number == 1 and not allow_non_english:
                    ensure_english(block)
                if status is not None:
                    status.update(f"Restoring block {number}…")
                yield block

        with open_document(source) as reader, _open_output(output) as sink, _status("Restoring…") as status:
            writer = _make_writer(output_format, sink, colour)
            for offset, block, restoration in restore_blocks(blocks(reader, status), min_confidence=min_confidence,
                                                             spun=spun):
                writer.write(block, restoration, offset)
            writer.finish()


@app.command()
def spin(
    source: SourceArgument = "-",
    rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of words to replace (0 to 1).")] = 0.25,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable output.")] = 0,
    capitalised_rate: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Share of capitalised common words inside sentences to replace ('White House').",
    )] = 0.0,
    residue_rate: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Share of contractions and plural number words to leave as residue ('received't', '1000's').",
    )] = 0.0,
    output_format: Annotated[
        SpinFormat, typer.Option("--format", "-f", help="text: the spun text; json: text and the swaps made.")
    ] = SpinFormat.text,
    output: OutputOption = None,
) -> None:
    """Spin text the way article spinners do, to make test data."""
    with _reported_errors():
        _hint_if_typing(source)
        with open_input(source) as reader:
            text = reader.read()  # spinning is for test data: whole-text seeds are simpler
        from unspin.spin import spin as spin_text

        spun = spin_text(text, rate=rate, seed=seed, capitalised_rate=capitalised_rate, residue_rate=residue_rate)
        with _open_output(output) as sink:
            if output_format is SpinFormat.json:
                document = {"text": spun.text, "edits": [edit.to_dict() for edit in spun.edits]}
                sink.write(json.dumps(document, ensure_ascii=False) + "\n")
            else:
                sink.write(spun.text)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=0, help="Jobs run at once; 0: one per CPU core.")] = 0,
    queue: Annotated[int, typer.Option(min=0, help="Jobs that may wait (503 beyond); 0: four per worker.")] = 0,
    max_chars: Annotated[int, typer.Option(min=1, help="Characters of text per request (413 beyond).")] = 200_000,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds a request may take (504 beyond).")] = 120.0,
    log_text: Annotated[
        bool, typer.Option("--log-text", help="Log the texts sent (by default only sizes and timings).")
    ] = False,
) -> None:
    """Serve the web page and the HTTP API (/v1/restore, /v1/check, /docs)."""
    with _reported_errors():
        from unspin.service.server import serve as run_server
        from unspin.service.settings import Settings

        settings = Settings(host=host, port=port, workers=workers, queue=queue, max_chars=max_chars,
                            timeout_s=timeout, log_text=log_text)
        try:
            run_server(settings)
        except RuntimeError as error:  # e.g. resources built by another version
            _fail(str(error), code=1)


@resources_app.command("build")
def resources_build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild what is already built.")] = False,
    retrain: Annotated[bool, typer.Option(
        "--retrain", help="Train the shortlist, reranker, word probe and span models and compute the "
                          "detector's language-model evidence here (about two and a half hours on 2 "
                          "cores) instead of taking the copies "
                          "bundled with unspin.")] = False,
) -> None:
    """Build everything restore and check need (once; takes minutes)."""
    with _reported_errors():
        from unspin.resources.build import build_all

        target = build_all(force=force, retrain=retrain)
        typer.echo(f"unspin: resources are ready in {target}", err=True)


@resources_app.command("path")
def resources_path() -> None:
    """Print the folder where built resources live."""
    from unspin.resources.paths import home

    typer.echo(home())


# --- output -----------------------------------------------------------------


class TextWriter:
    """The restored text, exactly; whitespace and newlines are the input's."""

    def __init__(self, sink: TextIO) -> None:
        self.sink = sink

    def write(self, block: str, restoration: Restoration, offset: int) -> None:
        self.sink.write(restoration.text)

    def finish(self) -> None:
        pass


class JsonWriter(TextWriter):
    """One JSON document, streamed: the text goes out block by block, edits at the end."""

    def __init__(self, sink: TextIO) -> None:
        super().__init__(sink)
        self.edits: list[dict] = []
        sink.write('{"text": "')

    def write(self, block: str, restoration: Restoration, offset: int) -> None:
        # Escaping works character by character, so escaped pieces join into
        # the escaped whole.
        self.sink.write(json.dumps(restoration.text, ensure_ascii=False)[1:-1])
        for edit in restoration.edits:
            moved = dataclasses.replace(edit, start=edit.start + offset, end=edit.end + offset)
            self.edits.append(moved.to_dict())

    def finish(self) -> None:
        self.sink.write('", "edits": ' + json.dumps(self.edits, ensure_ascii=False) + "}\n")


class DiffWriter(TextWriter):
    """The input with each edit inline as ``[-spun-]{+original+}``; coloured on a terminal."""

    def __init__(self, sink: TextIO, colour: bool) -> None:
        super().__init__(sink)
        self.console = (
            Console(file=sink, force_terminal=True, highlight=False, markup=False, emoji=False, soft_wrap=True)
            if colour
            else None
        )

    def write(self, block: str, restoration: Restoration, offset: int) -> None:
        marked = diff_text(block, restoration.edits)
        if self.console is None:
            self.sink.write(marked.plain)
        else:
            self.console.print(marked, end="")


def diff_text(source: str, edits: list[Edit]) -> Text:
    """``source`` with edits marked inline; ``.plain`` is the uncoloured form."""
    marked = Text()
    cursor = 0
    for edit in sorted(edits, key=lambda e: e.start):
        marked.append(source[cursor : edit.start])
        marked.append(f"[-{edit.spun}-]", style="red strike")
        marked.append(f"{{+{edit.original}+}}", style="green bold")
        cursor = edit.end
    marked.append(source[cursor:])
    return marked


def _make_writer(output_format: RestoreFormat, sink: TextIO, colour: bool) -> TextWriter:
    if output_format is RestoreFormat.json:
        return JsonWriter(sink)
    if output_format is RestoreFormat.diff:
        return DiffWriter(sink, colour)
    return TextWriter(sink)


@contextmanager
def _open_output(path: Path | None) -> Iterator[TextIO]:
    """Standard output or a file, as UTF-8 with no newline translation (CRLF stays CRLF).

    A file is written beside its destination and moved into place only when
    the run succeeds, so a failed run leaves an existing file untouched.
    """
    if path is None:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(encoding="utf-8", newline="")
        yield sys.stdout
        sys.stdout.flush()
        return
    temporary = path.with_name(f".{path.name}.unspin-partial")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as sink:
            yield sink
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- errors and status --------------------------------------------------------


@contextmanager
def _reported_errors() -> Iterator[None]:
    """Turn failures the user can act on into one line on stderr, not a traceback."""
    try:
        yield
    except InputError as error:
        _fail(str(error), code=2)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except BrokenPipeError:
        # The reader went away (`unspin restore big.txt | head`): stop quietly,
        # and point stdout at /dev/null so the exit-time flush cannot complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None
    except OSError as error:  # disk full, permission denied, ...
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}", code=1)


def _fail(message: str, code: int) -> None:
    typer.echo(f"unspin: error: {message}", err=True)
    raise typer.Exit(code)


def _hint_if_typing(source: str) -> None:
    """Someone who runs ``unspin restore`` bare at a prompt should know it is waiting."""
    if source == "-" and sys.stdin.isatty():
        typer.echo("unspin: reading standard input; end with Ctrl-D", err=True)


def _status(message: str) -> AbstractContextManager[Status | None]:
    """A spinner on stderr, only when stderr is a terminal that stdout is not drawing on."""
    errors = Console(stderr=True)
    if errors.is_terminal and not sys.stdout.isatty():
        return errors.status(message)
    return nullcontext()


# --- check (issue #3) ----------------------------------------------------------


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def check(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE...",
            help="UTF-8 text, HTML, PDF or Word (.docx) files; '-' or nothing reads standard input.",
        ),
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="Screen without the language model (fast; for large collections).")
    ] = False,
    output_format: Annotated[
        CheckFormat, typer.Option("--format", "-f", help="text: one line per file; json: every full report.")
    ] = CheckFormat.text,
    top: Annotated[int, typer.Option(min=0, help="Spans shown per file in text output.")] = 3,
    spun: Annotated[
        bool, typer.Option("--spun", help="The texts are known to be spun: show where, with the spans the check "
                                          "would show for a text it judged spun (the probability stays its own).")
    ] = False,
    allow_non_english: Annotated[
        bool, typer.Option("--allow-non-english", help="Check even texts that do not look like English.")
    ] = False,
) -> None:
    """Tell whether texts were machine-spun: a calibrated probability, and where and why.

    A file that cannot be read (missing, empty, binary, not UTF-8, not English) gets a line on
    stderr (and an entry with its "error" in JSON) and the others are still checked; the exit
    code is then 2 (else 0). Long files are read section by section, in bounded memory."""
    with _reported_errors():
        names = sources or ["-"]
        _hint_if_typing(names[0])
        likely, flagged, words, failed = 0, 0, 0, 0
        with _open_output(None) as sink, _status("Checking…") as status:
            if output_format is CheckFormat.json:  # streamed: one file's report at a time
                sink.write('{"files": [')
            for number, name in enumerate(names):
                if status is not None:
                    status.update(f"Checking {name} ({number + 1:,} of {len(names):,} files)…")
                try:
                    report = _check_file(name, fast, spun, allow_non_english)
                except (InputError, OSError) as error:
                    failed += 1
                    message = _file_error(name, error)
                    if status is not None:  # above the spinner, not run into it
                        status.console.print(f"unspin: error: {message}", markup=False, highlight=False, soft_wrap=True)
                    else:
                        typer.echo(f"unspin: error: {message}", err=True)
                    document, line = {"file": name, "error": message}, None  # (the error went to stderr)
                else:
                    verdict = _verdict(report)
                    likely += verdict != "clean"
                    flagged += verdict == "flagged"
                    words += report.words
                    document, line = {"file": name, **report.to_dict()}, _check_line(name, report, verdict, top)
                if output_format is CheckFormat.json:
                    sink.write((", " if number else "") + json.dumps(document, ensure_ascii=False))
                elif line is not None:
                    sink.write(line + "\n")
                sink.flush()
            checked = len(names) - failed
            summary = (f"unspin: checked {checked} file{'s' * (checked != 1)} ({words:,} words, "
                       f"{'fast' if fast else 'full'} check): {likely} look{'s' * (likely == 1)} spun, "
                       f"{flagged} above the strict threshold (≤ 1 % false alarms on clean text)")
            if failed:
                summary += f"; {failed} could not be checked"
            if output_format is CheckFormat.json:
                sink.write(f"], \"summary\": {json.dumps(summary, ensure_ascii=False)}}}\n")
            elif checked:  # (nothing checked: the errors on stderr say all, as for one bad file)
                sink.write(summary + "\n")
        if failed:
            raise typer.Exit(2)


def _check_file(name: str, fast: bool, spun: bool, allow_non_english: bool):
    """The report on one file, read section by section (``detect.checker.check_sections``)."""
    from unspin.detect.checker import SECTION_CHARS, check_sections
    from unspin.readers import open_document

    with open_document(name) as reader:  # the same readers as restore and the service
        sections = iter_paragraph_blocks(reader, SECTION_CHARS)
        first = next(sections, "")
        if not allow_non_english:
            ensure_english(first[:BLOCK_CHARS], "checks")  # as restore judges its first block
        return check_sections(itertools.chain([first], sections), fast=fast, spun=spun)


def _file_error(name: str, error: Exception) -> str:
    """One line naming the file: the readers' messages do; ``ensure_english``'s and the OS's not."""
    label = "standard input" if name == "-" else name
    if isinstance(error, OSError):
        return f"{error.filename or label}: {error.strerror or error}"
    message = str(error)
    return message if message.startswith((name, label)) else f"{label}: {message}"


def _verdict(report) -> str:
    """flagged: at or above the strict threshold; spun?: 0.5 or more; else clean."""
    return "flagged" if report.flagged else "spun?" if report.probability >= 0.5 else "clean"


def _check_line(name: str, report, verdict: str, top: int) -> str:
    low, high = report.interval
    spans = sorted(report.spans, key=lambda s: -s.score)[:top]
    shown = "; ".join(f"{s.text!r}→{s.suggestion!r}" if s.suggestion else repr(s.text) for s in spans)
    return f"{name}\t{report.probability:.3f} [{low:.2f}–{high:.2f}]\t{verdict}\t{report.words} words\t{shown}"
