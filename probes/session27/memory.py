"""Session 27: peak Python memory (tracemalloc) of the fast check on N copies of a 30-paragraph
SOTU block (13,825 characters), for whichever unspin is on PYTHONPATH: sections through
``check_sections`` where it exists, else the whole text through ``check`` (before session 27).
Usage: OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python probes/session27/memory.py 4 16 4"""
import sys, time, tracemalloc

import unspin.detect.checker as checker
from unspin.evaluation.datasets import sotu_paragraphs

block = "\n\n".join(sotu_paragraphs(60, seed=3)[:30]) + "\n\n"
sections = getattr(checker, "check_sections", None)


def run(n: int):
    if sections is not None:
        return sections((block for _ in range(n)), fast=True)
    return checker.check(block * n, fast=True)


run(1)  # resources and caches loaded before measuring
for n in map(int, sys.argv[1:]):
    tracemalloc.start()
    started = time.time()
    report = run(n)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{n} blocks, {report.words} words: peak {peak / 1e6:.2f} MB, {time.time() - started:.1f} s "
          f"(under tracemalloc), probability {report.probability:.6f}", flush=True)
