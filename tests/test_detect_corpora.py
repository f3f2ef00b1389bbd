"""The clean texts the detectors learn from, and the honesty of their split.

The fast test reads a LaTeX vignette written here; the slow ones need the texts
that `make setup` fetches (`unspin.detect.corpora`) and the built detectors.
"""

from __future__ import annotations

import pytest

from unspin.detect.corpora import MIN_WORDS, latex_paragraphs

VIGNETTE = r"""
\documentclass{article}
\Abstract{
  We describe the \pkg{sandwich} package, which offers
  robust covariance matrix estimators~\citep{White:1980} for models fitted in \proglang{R}.
}
\begin{document}
\section{Introduction}
Econometric models are often fitted with \code{lm}, and the standard errors
they report assume spherical errors (see Section~\ref{sec:hc}). % a remark
When this fails, ``sandwich'' estimators still give consistent results.

The estimator is $\hat\Psi = (X^\top X)^{-1}$ for the linear model.

<<fit, echo=TRUE>>=
fm <- lm(y ~ x)
@
\begin{equation}
  V = B M B
\end{equation}
\end{document}
"""


def test_latex_paragraphs_keep_the_prose_and_drop_code_maths_and_markup() -> None:
    paragraphs = latex_paragraphs(VIGNETTE)
    assert paragraphs == [
        "We describe the sandwich package, which offers robust covariance matrix estimators for models fitted in R.",
        "Econometric models are often fitted with lm, and the standard errors they report assume spherical errors "
        '(see Section). When this fails, "sandwich" estimators still give consistent results.',
    ]


# --- slow: the fetched texts and the built detectors ------------------------------


@pytest.fixture(scope="module")
def sources() -> dict[str, list[str]]:
    from unspin.detect.corpora import clean_sources, fetch_clean_texts

    return clean_sources(fetch_clean_texts())


@pytest.mark.slow
def test_every_source_gives_long_prose_paragraphs(sources) -> None:
    assert set(sources) == {"speeches (SOTU)", "news (Reuters-21578)", "encyclopedic (FOLDOC)", "fiction (Austen)",
                            "fiction (Moby Dick)", "scientific (R package papers)"}
    for name, paragraphs in sources.items():
        assert len(paragraphs) >= 30, name
        assert len(set(paragraphs)) == len(paragraphs), name
        assert all(len(p.split()) >= MIN_WORDS for p in paragraphs), name
    papers = sources["scientific (R package papers)"]
    assert not any(mark in p for p in papers for mark in ("\\", "$", "<<", "@"))
    assert not any("Gutenberg" in p for p in sources["fiction (Moby Dick)"])


@pytest.mark.slow
def test_the_fetched_package_versions_are_recorded(sources) -> None:
    from unspin.detect.corpora import DEBIAN_PACKAGES, clean_text_versions

    recorded = [line.split() for line in clean_text_versions()]
    assert sorted(name for name, _ in recorded) == sorted(DEBIAN_PACKAGES)
    assert all(version[:1].isdigit() for _, version in recorded)  # "0.7-13-1", not a file name


@pytest.mark.slow
def test_split_is_fixed_by_the_text_and_the_detectors_never_train_on_held_out_text(sources) -> None:
    from unspin.detect.corpora import split_sources
    from unspin.detect.train import labelled_texts, style_of

    training, held_out = split_sources(sources)
    for name, paragraphs in sources.items():
        assert not set(training[name]) & set(held_out[name])
        assert len(training[name]) + len(held_out[name]) == len(paragraphs)
        assert 0.25 < len(held_out[name]) / len(paragraphs) < 0.55, name
    # The same split whatever the order the paragraphs come in.
    assert split_sources({k: v[::-1] for k, v in sources.items()})[1] == {k: v[::-1] for k, v in held_out.items()}
    unseen = {p for paragraphs in held_out.values() for p in paragraphs}
    items = labelled_texts("full")
    assert not unseen & {text for text, _, _ in items}
    by_group: dict[str, dict[int, str]] = {}
    for text, label, group in items:
        by_group.setdefault(group, {})[label] = text
    clean_groups = [g for g in by_group if g.startswith("clean:")]
    assert {style_of(g) for g in clean_groups} == set(sources)
    assert all(by_group[g].keys() == {0, 1} and by_group[g][0] != by_group[g][1] for g in clean_groups)


@pytest.mark.slow
def test_benchmark_scores_are_what_check_reports(sources) -> None:
    """The benchmark scores cached features with the shipped detector: the same as ``check``."""
    import unspin
    from unspin.detect.checker import detector
    from unspin.detect.model import predict_examples
    from unspin.detect.train import examples

    from unspin.detect.corpora import split_sources

    _, held_out = split_sources(sources)
    texts = [held_out["fiction (Austen)"][0], held_out["scientific (R package papers)"][0]]
    rows = examples([(t, 0, "clean:test") for t in texts], full=False)
    assert predict_examples(detector("fast"), rows) == pytest.approx(
        [unspin.check(t, fast=True).probability for t in texts], abs=1e-9)


@pytest.mark.slow
def test_fast_check_ranks_spins_of_unseen_paragraphs_of_new_styles_above_them(sources) -> None:
    """Held-out fiction and scientific paragraphs (styles the first detectors never saw), spun."""
    import unspin
    from unspin.detect.corpora import split_sources
    from unspin.detect.train import spun_pairs

    _, held_out = split_sources(sources)
    wins = total = 0
    for name in ("fiction (Austen)", "scientific (R package papers)"):
        items = spun_pairs(name, held_out[name], 20)
        for (original, _, _), (spun, _, _) in zip(items[::2], items[1::2]):
            wins += unspin.check(spun, fast=True).probability > unspin.check(original, fast=True).probability
            total += 1
    assert wins >= 0.8 * total
