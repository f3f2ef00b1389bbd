"""WordNet 3.0 from Debian's ``wordnet-base``, made readable by NLTK.

NLTK's reader wants a corpus folder that also holds ``lexnames``; Debian ships
the database without it, so we copy the folder into the cache and write
``lexnames`` from the table in the package's ``lexnames(5WN)`` man page.
"""

from __future__ import annotations

import functools
import gzip
import re
import shutil
from pathlib import Path

from unspin.resources.paths import home

DEBIAN_WORDNET = Path("/usr/share/wordnet")
DEBIAN_LEXNAMES_MAN = Path("/usr/share/man/man5/lexnames.5WN.gz")
_DB_FILES = [f"{kind}.{pos}" for kind in ("data", "index") for pos in ("noun", "verb", "adj", "adv")]
_DB_FILES += [f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv")]


class WordNetMissing(RuntimeError):
    """Raised when the WordNet database is not installed."""


def lexnames_from_man_page(man_text: str) -> str:
    """The ``lexnames`` file: one ``NN<TAB>name<TAB>pos`` line per lexicographer file."""
    pos_numbers = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
    lines = []
    for number, name in re.findall(r"^(\d\d)\s+([a-z]+\.[A-Za-z]+)\s", man_text, flags=re.M):
        lines.append(f"{number}\t{name}\t{pos_numbers[name.split('.')[0]]}")
    if len(lines) != 45:
        raise WordNetMissing(f"expected 45 lexicographer files in the man page, found {len(lines)}")
    return "\n".join(lines) + "\n"


def prepare_wordnet(target: Path | None = None) -> Path:
    """Copy the Debian database into ``target`` (default: the cache) for NLTK."""
    target = target or home() / "wordnet"
    if (target / "lexnames").exists():
        return target
    missing = [name for name in _DB_FILES if not (DEBIAN_WORDNET / name).exists()]
    if missing or not DEBIAN_LEXNAMES_MAN.exists():
        raise WordNetMissing(
            "WordNet 3.0 is not installed: run `apt-get install wordnet-base` (Debian/Ubuntu)"
        )
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in _DB_FILES:
        shutil.copyfile(DEBIAN_WORDNET / name, staging / name)
    with gzip.open(DEBIAN_LEXNAMES_MAN, "rt", encoding="utf-8", errors="replace") as handle:
        (staging / "lexnames").write_text(lexnames_from_man_page(handle.read()))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


@functools.cache
def wordnet():
    """NLTK's WordNet reader over the prepared copy (loaded once per process)."""
    import nltk.data
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    folder = prepare_wordnet()
    # NLTK only opens corpora below a folder on its data path.
    if str(folder.parent) not in nltk.data.path:
        nltk.data.path.append(str(folder.parent))

    class _EnglishWordNet(WordNetCorpusReader):
        # No multilingual data, so no mapping between WordNet versions is needed.
        def map_wn(self, version="wordnet"):
            return None

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _EnglishWordNet(str(folder), None)
