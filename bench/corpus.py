"""The words, tags, names and Markdown the benchmark's data set is made of.

Bodies are real renderer output without rendering every note: a pool of a few hundred
Markdown blocks (headings, paragraphs with inline math, lists, display math, ``{N}``
references) is rendered once by ``notes.markup.rendering.render_markdown``, and each body is a
choice of blocks plus a sentence of its own. Blocks start at a heading or a paragraph and
end with a blank line, so the HTML and text of the joined blocks are what the renderer gives
for the joined Markdown. Words follow a Zipf-like law over a generated vocabulary ("network",
"protein", "theorem" are common; "quasicrystal" and a few others occur in about one note in
two thousand), and so do the tags (1–5 per note out of 500).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from notes.markup.rendering import relative_note_href, render_markdown

MIN_BODY, MAX_BODY = 300, 3000
# Stand-ins for {N} in the rendered pool, replaced by a real note number in each note.
REF_PLACEHOLDERS = ("999999901", "999999902")

# ----------------------------------------------------------------------- vocabulary


def _split(text: str, sep: str | None = None) -> list[str]:
    return [item.strip() for item in text.split(sep) if item.strip()]


# Ranked: the first words are the most frequent.
COMMON_WORDS = _split(
    """
    model data method result analysis function system learning structure
    process effect approach energy cell time graph training algorithm proof space state gene
    signal error sample distribution estimate variance bound rate parameter dimension matrix
    vector field theory experiment measurement evidence dataset baseline performance accuracy
    loss gradient optimization inference probability random linear nonlinear dynamics equation
    solution condition assumption lemma corollary argument property operator kernel feature
    representation layer attention sequence token language image classification regression
    cluster population species expression mutation binding receptor enzyme pathway tissue
    patient treatment trial cohort risk outcome exposure temperature pressure material surface
    particle quantum spin phase transition symmetry group algebra manifold topology geometry
    curvature integral series convergence limit stability equilibrium control feedback noise
    frequency spectrum wave light laser sensor device circuit memory storage computation
    complexity polynomial sampling simulation benchmark evaluation metric robustness
    generalization prior posterior likelihood entropy information channel capacity code
    compression encoder decoder embedding transformer convolution recurrent policy reward agent
    environment game strategy market price economy growth climate carbon ocean soil water neuron
    brain cortex synapse behavior cognition perception author paper study review framework
    hypothesis observation correlation causal intervention variable regularization sparse dense
    estimator consistency efficiency robust scalable efficient novel significant empirical
    theoretical numerical statistical computational biological physical chemical clinical
    molecular genetic neural deep large small high low local global finite infinite discrete
    continuous stochastic deterministic optimal approximate exact upper lower main key new
    previous standard simple general specific strong weak
    """
)

DOMAIN_WORDS = _split(
    """
    eigenvalue homology sheaf cohomology fibration isomorphism morphism functor lattice polytope
    hyperplane ergodic martingale diffusion percolation renormalization superconductivity photon
    phonon fermion boson plasma isotope catalyst polymer ligand antibody antigen cytokine
    chromatin ribosome transcription methylation phylogeny microbiome metabolite proteome genome
    allele haplotype epistasis neurogenesis plasticity hippocampus dopamine serotonin
    inflammation apoptosis mitochondria photosynthesis chloroplast biofilm pathogen vaccine
    epidemic seismic tectonic glacier aerosol permafrost monsoon exoplanet galaxy supernova
    nebula quasar pulsar cosmology inflation neutrino hadron collider spectroscopy
    crystallography tomography microscopy interferometer metamaterial graphene semiconductor
    transistor photonic spintronic cryptography blockchain consensus compiler scheduler cache
    latency throughput bandwidth protocol router database query index transaction concurrency
    parallelism distributed federated adversarial perturbation augmentation distillation pruning
    quantization finetuning pretraining contrastive variational autoencoder bayesian frequentist
    bootstrap permutation heteroscedastic autoregressive stationary wavelet fourier laplacian
    hessian jacobian lagrangian hamiltonian symplectic geodesic riemannian banach hilbert
    sobolev measure borel lebesgue markov poisson gaussian bernoulli dirichlet wishart copula
    quantile survival hazard mortality morbidity prevalence incidence biomarker imaging
    radiology oncology cardiology tumor metastasis immunotherapy chemotherapy placebo randomized
    """
)

# Each of these appears in about one note in two thousand: the "rare word" search.
RARE_WORDS = _split(
    """
    quasicrystal zwitterion syzygy anyon skyrmion axion tardigrade hyperbolicity knotoid
    polyomino sesquilinear endosymbiont chemostat magnetar prion ommatidium stromatolite
    ferrofluid holonomy
    """
)
RARE_WORD_SHARE = len(RARE_WORDS) / 2000

# Technical-looking words for a long tail, such as "neuromorphic" or "cytoplasm".
_PREFIXES = _split(
    """
    anti auto bio chrono cyto electro geo hetero homo hydro iso macro meta micro neuro photo
    poly proto pseudo thermo trans ultra
    """
)
_ROOTS = _split(
    """
    gen morph phil scop troph kin lys path plasm stat tax typ chrom graph log phon tron
    """
)
_SUFFIXES = _split(
    """
    ic ism ase ity oid ation y
    """
)

FUNCTION_WORDS = _split(
    """
    the of and in a to is for with on that by we this are as from an which our
    """
)

HEADINGS = [
    "Summary",
    "Key idea",
    "Notation",
    "Method",
    "Main result",
    "Proof sketch",
    "Experiments",
    "Results",
    "Related work",
    "Critique",
    "Limitations",
    "Open questions",
    "Takeaways",
    "Questions for the authors",
]

INLINE_MATH = [
    r"x_i^2",
    r"\alpha + \beta",
    r"O(n \log n)",
    r"\mathbb{E}[X]",
    r"\nabla f(x)",
    r"p(x \mid y)",
    r"\frac{a}{b}",
    r"\sqrt{n}",
    r"\lambda_{\max}",
    r"e^{-t/\tau}",
    r"\|x\|_2",
    r"\theta^\ast",
    r"k \geq 3",
    r"\sigma^2",
    r"\epsilon < 1",
]
DISPLAY_MATH = [
    r"\sum_{i=1}^n x_i",
    r"\int_0^1 f(x)\,dx",
    r"\mathcal{L}(\theta) = -\sum_i \log p_\theta(x_i)",
    r"\hat{\beta} = (X^\top X)^{-1} X^\top y",
    r"\Pr[|X - \mu| \geq t] \leq \frac{\sigma^2}{t^2}",
    r"\frac{\partial u}{\partial t} = D \nabla^2 u",
    r"H = -\sum_{\langle i,j \rangle} J s_i s_j",
    r"\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
]
IDENTIFIERS = ["PMID-31942076", "arXiv:1706.03762", "doi:10.1038/s41586-021-03819-2"]

EDIT_MESSAGES = [
    "",
    "",
    "",
    "fix typo",
    "clarify notation",
    "add results",
    "rewrite the method section",
    "add a thought",
    "tags",
    "after reading group",
]

TAGS = _split(
    """
    machine-learning biology physics mathematics statistics neuroscience genomics deep-learning
    chemistry economics ecology epidemiology computer-vision nlp reinforcement-learning
    graph-theory protein-folding quantum-computing optimization probability algorithms climate
    astronomy materials-science immunology cancer bioinformatics cryptography
    distributed-systems databases compilers programming-languages security robotics
    control-theory signal-processing information-theory game-theory topology algebra
    number-theory combinatorics analysis geometry logic category-theory differential-equations
    dynamical-systems fluid-dynamics condensed-matter particle-physics cosmology string-theory
    general-relativity thermodynamics optics photonics electronics neural-networks transformers
    diffusion-models generative-models causal-inference bayesian-statistics time-series
    survival-analysis clinical-trials public-health psychology linguistics philosophy-of-science
    history-of-science reproducibility methods review survey tutorial classic must-read to-read
    reread skimmed
    """
)
_TAG_SUBJECTS = _split(
    """
    graph protein gene cell brain market climate quantum language image network matrix sequence
    population material signal
    """
)
_TAG_ASPECTS = _split(
    """
    theory models methods dynamics inference learning structure data analysis evolution design
    estimation imaging simulation statistics
    """
)
TAG_COUNT = 500

FIRST_NAMES = _split(
    """
    Ada Alan Grace Emmy Marie Rosalind Barbara Claude John Sofia Hedy Niels Lise Srinivasa
    Katherine Dorothy Alexander Chien-Shiung Tu Ibn Maryam Carl Leonhard Henri Sophie Augusta
    Paul Richard Vera Jocelyn Cecilia Edwin Linus Francis Jennifer Emmanuelle Donna Kip Andrea
    Gerty Har Gobind Subrahmanyan Mae Flossie Wangari Tim Yoshua Fei-Fei Daphne
    """
)
LAST_NAMES = _split(
    """
    Lovelace Turing Hopper Noether Curie Franklin McClintock Shannon Neumann Kovalevskaya Lamarr
    Bohr Meitner Ramanujan Johnson Hodgkin Fleming Wu Youyou Sina Mirzakhani Gauss Euler
    Poincare Germain King Dirac Feynman Rubin Bell Payne Hubble Pauling Crick Doudna Charpentier
    Strickland Thorne Ghez Cori Khorana Chandrasekhar Jemison Wong Maathai Berners-Lee Bengio Li
    Koller Okafor Nakamura Schmidt Rossi Novak Haddad Kaur
    """
)
AFFILIATIONS = [
    "University of Oxford",
    "ETH Zürich",
    "EMBL Heidelberg",
    "MIT",
    "Stanford University",
    "University of Tokyo",
    "Max Planck Institute",
    "Institut Pasteur",
    "University of Cape Town",
    "IISc Bangalore",
    "Universidade de São Paulo",
    "Tsinghua University",
    "CNRS",
    "University of Toronto",
    "",
    "",
]
VENUES = _split(
    """Nature|Science|Cell|PNAS|NeurIPS|ICML|ICLR|CVPR|ACL|STOC|FOCS|SODA|Annals of Mathematics|
    Inventiones Mathematicae|Physical Review Letters|Physical Review B|JACS|Lancet|NEJM|eLife|
    PLOS Biology|Bioinformatics|Genome Research|Journal of the ACM|VLDB|SIGMOD|OSDI|SOSP|
    Econometrica|Journal of Finance|Ecology Letters|Neuron|Nature Neuroscience|arXiv preprint|""",
    sep="|",
)
_SMALL_TITLE_WORDS = frozenset({"of", "and", "in", "a", "to", "for", "with", "on", "the", "an"})


def zipf_cum_weights(n: int, exponent: float) -> list[float]:
    """Cumulative weights of ranks 1..n under a Zipf-like law, for ``random.choices``."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


# The benchmark's "common word" searches: each in roughly a fifth to two fifths of the notes.
SEARCH_WORDS_AT_RANK = {"network": 100, "protein": 150, "theorem": 200}


def vocabulary() -> list[str]:
    """Every word bodies are made of, most frequent first (rare words excluded)."""
    tail = [p + r + s for p in _PREFIXES for r in _ROOTS for s in _SUFFIXES]
    random.Random(0).shuffle(tail)  # noqa: S311 - a fixed order, whatever the seed
    words = list(dict.fromkeys(COMMON_WORDS + DOMAIN_WORDS + tail))
    for word, rank in sorted(SEARCH_WORDS_AT_RANK.items(), key=lambda item: item[1]):
        if word in words:
            words.remove(word)
        words.insert(rank, word)
    return words


def tag_vocabulary() -> list[str]:
    """500 tag names, most used first."""
    combos = [f"{s}-{a}" for a in _TAG_ASPECTS for s in _TAG_SUBJECTS]
    names = list(dict.fromkeys(TAGS + DOMAIN_WORDS + combos))
    return names[:TAG_COUNT]


# ----------------------------------------------------------------------------- corpus


class Part(NamedTuple):
    """A piece of a body: Markdown and what the renderer made of it."""

    md: str
    html: str
    text: str
    heading: str | None = None  # the section it opens, if it is a section
    sentence: bool = False  # a note's own sentence (the rest is shared by many notes)


@dataclass(frozen=True)
class Body:
    md: str
    html: str
    text: str
    size: int


@lru_cache(maxsize=1024)
def _rendered(md: str, note_href: Callable[[int], str]) -> tuple[str, str]:
    """A block's HTML and text, every ``{N}`` a link (as the site renders it). The same
    Markdown always renders the same, so a process that seeds several times (the tests
    seed a small data set again and again) renders each block of a seed once."""
    rendered = render_markdown(md, linkable_notes=lambda numbers: numbers, note_href=note_href)
    return rendered.html, rendered.text


class Corpus:
    """Words, sentences, a rendered pool of blocks, and bodies made from them."""

    def __init__(
        self,
        rng: random.Random,
        *,
        templates: int,
        note_href: Callable[[int], str] = relative_note_href,
    ) -> None:
        self.rng = rng
        self.note_href = note_href  # where {N} links, as the site's saves link it
        self.words = vocabulary()
        self._word_weights = zipf_cum_weights(len(self.words), 1.0)
        # Blocks, reused by hundreds of notes each, stay clear of the long tail.
        self._block_words = self.words[:800]
        self._block_weights = zipf_cum_weights(len(self._block_words), 1.0)
        self.tags = tag_vocabulary()
        self._tag_weights = zipf_cum_weights(len(self.tags), 1.05)
        self.leads: list[Part] = []
        self.sections: dict[str, list[Part]] = {h: [] for h in HEADINGS}
        for i in range(templates):
            heading = None if i % 5 == 0 else HEADINGS[i % len(HEADINGS)]
            part = self._render_block(heading)
            (self.leads if heading is None else self.sections[heading]).append(part)
        self.sections = {h: parts for h, parts in self.sections.items() if parts}
        if not self.leads:
            self.leads.append(self._render_block(None))

    # -- words and sentences

    def sentence(self, *, rare: bool = False) -> str:
        """A plain sentence of lower-case words: safe as Markdown, HTML and text alike."""
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self._word_weights, k=rng.randint(6, 16))
        if rare:
            words[rng.randrange(len(words))] = rng.choice(RARE_WORDS)
        out: list[str] = []
        for word in words:
            out.append(word)
            if rng.random() < 0.4:
                out.append(rng.choice(FUNCTION_WORDS))
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def sentence_part(self) -> Part:
        text = self.sentence(rare=self.rng.random() < RARE_WORD_SHARE)
        return Part(text, f'<p dir="auto">{text}</p>', text, sentence=True)

    def title(self) -> str:
        words = self.rng.choices(
            self.words[:400], cum_weights=self._word_weights[:400], k=self.rng.randint(3, 9)
        )
        words = list(dict.fromkeys(words))
        for i in range(1, len(words) - 1):
            if self.rng.random() < 0.35:
                words[i] = f"{words[i]} {self.rng.choice(['of', 'and', 'in', 'for', 'with'])}"
        return " ".join(
            w if w in _SMALL_TITLE_WORDS else w.capitalize() for w in " ".join(words).split()
        )

    def choose_tags(self) -> list[str]:
        k = self.rng.choices((1, 2, 3, 4, 5), weights=(25, 30, 25, 12, 8))[0]
        picked = self.rng.choices(self.tags, cum_weights=self._tag_weights, k=k)
        return sorted(set(picked))

    # -- the rendered pool

    def _prose(self) -> str:
        rng = self.rng
        words = rng.choices(
            self._block_words, cum_weights=self._block_weights, k=rng.randint(6, 18)
        )
        out: list[str] = []
        for word in words:
            out.append(word)
            if rng.random() < 0.4:
                out.append(rng.choice(FUNCTION_WORDS))
        roll = rng.random()
        at = rng.randrange(1, len(out))
        if roll < 0.3:
            out.insert(at, f"${rng.choice(INLINE_MATH)}$")
        elif roll < 0.37:
            out[at] = f"**{out[at]}**"
        elif roll < 0.42:
            out[at] = f"*{out[at]}*"
        elif roll < 0.45:
            out[at] = f"`{out[at]}`"
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def _paragraph(self) -> str:
        rng = self.rng
        sentences = [self._prose() for _ in range(rng.randint(2, 5))]
        roll = rng.random()
        if roll < 0.15:
            sentences.append(f"See {{{REF_PLACEHOLDERS[0]}}}.")
        elif roll < 0.22:
            sentences.append(f"Compare {{{REF_PLACEHOLDERS[0]}}} and {{{REF_PLACEHOLDERS[1]}}}.")
        elif roll < 0.25:
            sentences.append(f"Background in {rng.choice(IDENTIFIERS)}.")
        return " ".join(sentences)

    def _list(self) -> str:
        rng = self.rng
        ordered = rng.random() < 0.4
        items = []
        for n in range(1, rng.randint(3, 5) + 1):
            words = rng.choices(
                self._block_words, cum_weights=self._block_weights, k=rng.randint(3, 9)
            )
            if rng.random() < 0.25:
                words.append(f"${rng.choice(INLINE_MATH)}$")
            items.append(f"{n}. " if ordered else "- ")
            items[-1] += " ".join(words)
        return "\n".join(items)

    def _render_block(self, heading: str | None) -> Part:
        rng = self.rng
        chunks = [] if heading is None else [f"## {heading}"]
        chunks.append(self._paragraph())
        if heading is not None:
            if rng.random() < 0.4:
                chunks.append(self._list())
            if rng.random() < 0.3:
                chunks.append(f"$${rng.choice(DISPLAY_MATH)}$$")
            if rng.random() < 0.5:
                chunks.append(self._paragraph())
        md = "\n\n".join(chunks)
        html, text = _rendered(md, self.note_href)
        return Part(md, html, text, heading)

    # -- bodies

    def compose(self) -> list[Part]:
        """A first revision: an optional lead, some sections in order, a sentence."""
        rng = self.rng
        target = min(MAX_BODY, max(MIN_BODY, int(rng.lognormvariate(math.log(1100), 0.6))))
        parts = [rng.choice(self.leads)] if rng.random() < 0.6 else []
        size = sum(len(p.md) + 2 for p in parts)
        headings = list(self.sections)
        rng.shuffle(headings)
        chosen: list[Part] = []
        for heading in headings:
            if size >= target:
                break
            part = rng.choice(self.sections[heading])
            if size + len(part.md) + 2 > MAX_BODY - 250:
                continue
            chosen.append(part)
            size += len(part.md) + 2
        order = {h: i for i, h in enumerate(HEADINGS)}
        chosen.sort(key=lambda p: order[p.heading or ""])
        return self._at_least_min([*parts, *chosen, self.sentence_part()])

    def _at_least_min(self, parts: list[Part]) -> list[Part]:
        while sum(len(p.md) + 2 for p in parts) < MIN_BODY:
            parts.append(self.sentence_part())
        return parts

    def revise(self, parts: list[Part]) -> list[Part]:
        """The next revision: a sentence added or reworded, or a section rewritten."""
        rng = self.rng
        new = list(parts)
        roll = rng.random()
        sections = [i for i, p in enumerate(new) if p.heading is not None]
        if roll < 0.45 or (roll < 0.75 and not sections):
            new.append(self.sentence_part())
        elif roll < 0.75:
            i = rng.choice(sections)
            new[i] = rng.choice(self.sections[new[i].heading or ""])
        else:
            sentences = [i for i, p in enumerate(new) if p.sentence]
            new[rng.choice(sentences) if sentences else len(new) - 1] = self.sentence_part()
        while len(new) > 2 and sum(len(p.md) + 2 for p in new) > MAX_BODY:
            del new[1]
        return self._at_least_min(new)


def assemble(parts: Sequence[Part], refs: tuple[int, int]) -> Body:
    md = "\n\n".join(p.md for p in parts)
    html = "\n".join(p.html for p in parts)
    text = " ".join(p.text for p in parts)
    if REF_PLACEHOLDERS[0][:-1] in md:
        for placeholder, target in zip(REF_PLACEHOLDERS, refs, strict=True):
            md = md.replace(placeholder, str(target))
            html = html.replace(placeholder, str(target))
            text = text.replace(placeholder, str(target))
    return Body(md, html, text, len(md.encode()))


def references(body: Body, refs: tuple[int, int]) -> set[int]:
    return {target for target in refs if f"{{{target}}}" in body.md}


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
