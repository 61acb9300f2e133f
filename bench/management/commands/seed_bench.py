"""Fill the database with a large, realistic data set for the benchmark (``make bench``).

    python manage.py seed_bench --notes 100000 [--users 2000] [--papers 60000]
                                [--revisions 2] [--seed 1] [--reset | --if-empty]

Users, papers, notes, every note's revisions (history rows), taggit rows, ``{N}``
references and the search data are written with PostgreSQL's COPY, in batches, inside one
transaction: a run either loads everything or nothing.

Bodies are real renderer output without rendering every note: a pool of a few hundred
Markdown blocks (headings, paragraphs with inline math, lists, display math, ``{N}``
references) is rendered once by ``notes.rendering.render_markdown``, and each body is a
choice of blocks plus a sentence of its own. Blocks start at a heading or a paragraph and
end with a blank line, so the HTML and text of the joined blocks are what the renderer gives
for the joined Markdown. Words follow a Zipf-like law over a generated vocabulary ("network",
"protein", "theorem" are common; "quasicrystal" and a few others occur in about one note in
two thousand), and so do the tags (1–5 per note out of 500), the notes per paper and the
notes per user. One note has exactly 200 revisions, for the benchmark's history pages.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from taggit.models import Tag

from accounts.models import User
from notes import counters, search
from notes.models import Note, NoteReference, Paper, TaggedNote, Visibility
from notes.rendering import render_markdown

USERNAME_PREFIX = "bench_"
USER_PASSWORD = "bench-password"  # noqa: S105 - documented password of generated accounts
SPECIAL_REVISIONS = 200
MAX_NOTES_PER_PAPER = 25
MIN_BODY, MAX_BODY = 300, 3000
PRIVATE_SHARE, TRASH_SHARE = 0.10, 0.01
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


class Corpus:
    """Words, sentences, a rendered pool of blocks, and bodies made from them."""

    def __init__(self, rng: random.Random, *, templates: int) -> None:
        self.rng = rng
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
        rendered = render_markdown(md, linkable_notes=lambda numbers: numbers)
        return Part(md, rendered.html, rendered.text, heading)

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


# ----------------------------------------------------------------------------- loading

T = TypeVar("T")


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY ``rows`` into ``model``'s table; columns not given get the field's default.

    Filling the other columns from the model keeps the loader working when a field is
    added to the model later.
    """
    by_column = {f.column: f for f in model._meta.concrete_fields}
    unknown = set(columns) - set(by_column)
    if unknown:
        raise CommandError(f"{model._meta.db_table} has no column(s) {sorted(unknown)}")
    now = timezone.now()
    extra_columns, extra_values = [], []
    for column, model_field in by_column.items():
        if column in columns:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value: Any = now
        else:
            value = model_field.get_db_prep_save(model_field.get_default(), connection)
        extra_columns.append(column)
        extra_values.append(value)
    names = ", ".join(connection.ops.quote_name(c) for c in [*columns, *extra_columns])
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    count = 0
    tail = tuple(extra_values)
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *tail))
            count += 1
    return count


def next_id(model: type[models.Model], *also: tuple[type[models.Model], str]) -> int:
    """The first free primary key, also above ids still referenced in ``also`` tables."""
    # Table and column names come from the models, never from input.
    queries = [f"SELECT max({model._meta.pk.column}) FROM {model._meta.db_table}"]  # noqa: S608
    queries += [f"SELECT max({c}) FROM {m._meta.db_table}" for m, c in also]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT greatest(({'), ('.join(queries)}))")
        (top,) = cursor.fetchone()
    return (top or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(statement)


def prefetched(items: Iterator[T]) -> Iterator[T]:
    """``items``, produced in a thread one step ahead of the consumer.

    Generating a batch (Python) and loading the previous one (the database server) then
    run at the same time, on different cores.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(next, items, None)
        while (item := future.result()) is not None:
            future = pool.submit(next, items, None)
            yield item


@dataclass
class Batch:
    notes: list[tuple[Any, ...]] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    tagged: list[tuple[Any, ...]] = field(default_factory=list)
    references: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Plan:
    """Who writes about what: one (paper, author) pair per note, in note-number order."""

    pairs: list[tuple[int, int]]
    created: list[datetime]


class Command(BaseCommand):
    help = "Fill the database with a large generated data set for `make bench`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--notes", type=int, default=100_000, help="notes (default 100000)")
        parser.add_argument("--users", type=int, default=2000, help="users (default 2000)")
        parser.add_argument("--papers", type=int, default=None, help="papers (default 0.6 × notes)")
        parser.add_argument(
            "--revisions",
            type=float,
            default=2.0,
            help="average extra revisions per note (default 2)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--templates", type=int, default=300, help="rendered Markdown blocks (default 300)"
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="notes per COPY batch")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset",
            action="store_true",
            help="first delete every note, paper, tag and generated user",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when the database already has notes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n_notes: int = options["notes"]
        n_users: int = options["users"]
        n_papers: int = (
            options["papers"] if options["papers"] is not None else max(1, round(n_notes * 0.6))
        )
        if n_notes < 1 or n_users < 1 or n_papers < 1:
            raise CommandError("--notes, --users and --papers must be at least 1.")
        if n_notes > n_papers * min(n_users, MAX_NOTES_PER_PAPER):
            raise CommandError(
                f"{n_notes} notes do not fit: a paper has at most one note per user and at "
                f"most {MAX_NOTES_PER_PAPER} here. Add papers or users."
            )
        database = connection.settings_dict["NAME"]
        existing = Note.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(f"{database} already has {existing} notes; nothing to do.")
            return
        if existing and not options["reset"]:
            raise CommandError(
                f"The database {database!r} already has {existing} notes. Run with --reset to "
                "delete every note, paper and tag (and the generated users) first, or with "
                "--if-empty to keep them."
            )

        self.rng = random.Random(options["seed"])  # noqa: S311 - reproducible data
        self.started = time.perf_counter()
        self.revisions = options["revisions"]
        self.batch_size = max(100, options["batch_size"])
        with transaction.atomic():
            if options["reset"]:
                self._phase("reset", lambda: self._reset(database))
            corpus = self._phase(
                f"render {options['templates']} blocks",
                lambda: Corpus(self.rng, templates=options["templates"]),
            )
            now = timezone.now().replace(second=0, microsecond=0)
            users = self._phase(f"{n_users} users", lambda: self._users(n_users, now))
            papers = self._phase(
                f"{n_papers} papers", lambda: self._papers(corpus, n_papers, users, now)
            )
            plan = self._plan(n_notes, papers, users, now)
            special = self._phase(
                f"{n_notes} notes with history, tags, references",
                lambda: self._notes(corpus, plan, now),
            )
            self._phase("search data (notes.search.refresh)", search.refresh)
            self._phase("public counts (notes.counters.rebuild)", counters.rebuild)
        self._phase("vacuum analyze", self._vacuum)
        self.stdout.write(
            f"Done in {time.perf_counter() - self.started:.1f} s. "
            f"The note with {SPECIAL_REVISIONS} revisions is {{{special}}}: /n/{special}/. "
            f"Generated users log in as {USERNAME_PREFIX}1 … with the password {USER_PASSWORD!r}."
        )

    def _phase(self, label: str, work: Callable[[], T]) -> T:
        start = time.perf_counter()
        self.stdout.write(f"{label} …")
        self.stdout.flush()
        result = work()
        self.stdout.write(f"  {label}: {time.perf_counter() - start:.1f} s")
        return result

    def _vacuum(self) -> None:
        """VACUUM ANALYZE, so that index-only scans work and the planner knows the data.

        VACUUM cannot run inside a transaction (a test, or a caller's ``atomic``); there only
        ANALYZE runs.
        """
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                self.stdout.write("  inside a transaction: VACUUM skipped, ANALYZE only")
                cursor.execute("ANALYZE")
            else:
                cursor.execute("VACUUM ANALYZE")

    # -- phases

    def _reset(self, database: str) -> None:
        self.stdout.write(f"  deleting every note, paper and tag in {database!r}")
        tables = [m._meta.db_table for m in apps.get_app_config("notes").get_models()]
        tables += [m._meta.db_table for m in apps.get_app_config("taggit").get_models()]
        quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
        with connection.cursor() as cursor:
            # Rows written earlier in the same transaction leave deferred foreign-key checks
            # pending, and TRUNCATE refuses to run while any are.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        User.objects.filter(username__startswith=USERNAME_PREFIX).delete()

    def _users(self, count: int, now: datetime) -> list[int]:
        User.objects.filter(username__startswith=USERNAME_PREFIX).delete()
        password = make_password(USER_PASSWORD)  # hashed once, shared: hashing is slow
        first = next_id(User)
        rng = self.rng
        rows = []
        for i in range(count):
            number = i + 1
            given, family = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            rows.append(
                (
                    first + i,
                    password,
                    f"{USERNAME_PREFIX}{number}",
                    f"{USERNAME_PREFIX}{number}@example.org",
                    f"{given} {family}",
                    rng.choice(AFFILIATIONS),
                    now - timedelta(days=6 * 365 + rng.randrange(365)),
                    False,
                    False,
                    True,
                )
            )
        copy_rows(
            User,
            [
                "id",
                "password",
                "username",
                "email",
                "display_name",
                "affiliation",
                "date_joined",
                "is_superuser",
                "is_staff",
                "is_active",
            ],
            rows,
        )
        reset_sequences(User)
        return [first + i for i in range(count)]

    def _papers(self, corpus: Corpus, count: int, users: list[int], now: datetime) -> list[int]:
        rng = self.rng
        first = next_id(Paper, (Paper.history.model, "id"))
        rows = []
        history = []
        history_first = next_id(Paper.history.model)
        for i in range(count):
            pk = first + i
            year = max(1950, 2025 - int(rng.expovariate(1 / 9)))
            authors = ", ".join(
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                for _ in range(rng.randint(1, 8))
            )
            abstract = (
                " ".join(corpus.sentence() for _ in range(rng.randint(3, 6)))
                if rng.random() < 0.6
                else ""
            )
            created = now - timedelta(days=5 * 365 + 30, minutes=rng.randrange(365 * 24 * 60))
            creator = rng.choice(users)
            values = (
                pk,
                corpus.title(),
                authors,
                year,
                rng.choice(VENUES),
                abstract,
                f"https://example.org/papers/{pk}" if rng.random() < 0.3 else "",
                f"10.{5000 + pk % 4000}/bench.{pk}" if rng.random() < 0.6 else None,
                f"{1501 + pk // 100_000:04d}.{pk % 100_000:05d}" if rng.random() < 0.3 else None,
                str(30_000_000 + pk) if rng.random() < 0.2 else None,
                created,
                created,
                creator,
            )
            rows.append(values)
            history.append((*values, history_first + i, created, "+", creator, None))
        columns = [
            "id",
            "title",
            "authors",
            "year",
            "venue",
            "abstract",
            "url",
            "doi",
            "arxiv_id",
            "pmid",
            "created",
            "modified",
            "created_by_id",
        ]
        copy_rows(Paper, columns, rows)
        copy_rows(
            Paper.history.model,
            [
                *columns,
                "history_id",
                "history_date",
                "history_type",
                "history_user_id",
                "history_change_reason",
            ],
            history,
        )
        reset_sequences(Paper, Paper.history.model)
        return [first + i for i in range(count)]

    def _plan(self, n_notes: int, papers: list[int], users: list[int], now: datetime) -> Plan:
        """Notes per paper and per user both follow a Zipf-like law (capped per paper)."""
        rng = self.rng
        cap = min(len(users), MAX_NOTES_PER_PAPER)
        ranked = list(papers)
        rng.shuffle(ranked)
        counts = dict.fromkeys(ranked[: min(n_notes, len(ranked))], 1)
        extra = n_notes - len(counts)
        if extra > 0:
            weights = zipf_cum_weights(len(ranked), 0.9)
            for paper in rng.choices(ranked, cum_weights=weights, k=extra):
                counts[paper] += 1
            spill = sum(max(0, c - cap) for c in counts.values())
            for paper in counts:
                counts[paper] = min(counts[paper], cap)
            open_papers = [p for p in ranked if counts[p] < cap]
            while spill:
                i = rng.randrange(len(open_papers))
                paper = open_papers[i]
                counts[paper] += 1
                spill -= 1
                if counts[paper] == cap:
                    open_papers[i] = open_papers[-1]
                    open_papers.pop()
        authors_ranked = list(users)
        rng.shuffle(authors_ranked)
        user_weights = zipf_cum_weights(len(users), 0.7)
        pairs = []
        for paper, count in counts.items():
            chosen: set[int] = set()
            while len(chosen) < count:
                chosen.update(
                    rng.choices(authors_ranked, cum_weights=user_weights, k=count - len(chosen))
                )
                if len(chosen) < count and rng.random() < 0.2:
                    chosen.update(rng.sample(authors_ranked, count - len(chosen)))
            pairs.extend((paper, author) for author in sorted(chosen)[:count])
        rng.shuffle(pairs)
        span = 5 * 365 * 24 * 60
        created = sorted(
            now - timedelta(days=1, minutes=rng.randrange(span)) for _ in range(n_notes)
        )
        return Plan(pairs, created)

    def _notes(self, corpus: Corpus, plan: Plan, now: datetime) -> int:
        n_notes = len(plan.pairs)
        first = next_id(Note, (Note.history.model, "id"))
        special = first + n_notes // 2
        self.note_ids = (first, first + n_notes - 1)
        tags = self._tags(corpus.tags)
        ids = {
            "history": next_id(Note.history.model),
            "tagged": next_id(TaggedNote),
            "reference": next_id(NoteReference),
        }
        totals = {"history": 0, "tagged": 0, "references": 0}
        batches = self._batches(corpus, plan, now, first=first, special=special, tags=tags, ids=ids)
        done = 0
        for batch in prefetched(batches):
            copy_rows(Note, NOTE_COLUMNS, batch.notes)
            totals["history"] += copy_rows(
                Note.history.model, ["history_id", *HISTORY_COLUMNS], batch.history
            )
            totals["tagged"] += copy_rows(
                TaggedNote, ["id", "tag_id", "content_object_id"], batch.tagged
            )
            totals["references"] += copy_rows(
                NoteReference, ["id", "source_id", "target_id"], batch.references
            )
            done += len(batch.notes)
            if done == n_notes or (done // self.batch_size) % 10 == 0:
                self.stdout.write(
                    f"  {done} notes, {totals['history']} history rows "
                    f"({time.perf_counter() - self.started:.0f} s)"
                )
                self.stdout.flush()
        reset_sequences(Note, Note.history.model, TaggedNote, NoteReference, Tag)
        self.stdout.write(
            f"  {totals['tagged']} tag rows, {totals['references']} references; "
            f"note {{{special}}} has {SPECIAL_REVISIONS} revisions"
        )
        return special

    def _batches(
        self,
        corpus: Corpus,
        plan: Plan,
        now: datetime,
        *,
        first: int,
        special: int,
        tags: dict[str, int],
        ids: dict[str, int],
    ) -> Iterator[Batch]:
        """The rows of ``batch_size`` notes at a time; touches no database."""
        n_notes = len(plan.pairs)
        for start in range(0, n_notes, self.batch_size):
            batch = Batch()
            for i in range(start, min(start + self.batch_size, n_notes)):
                pk = first + i
                paper, author = plan.pairs[i]
                note, history, note_tags, refs = self._note(
                    corpus, pk, paper, author, plan.created[i], now, pk == special
                )
                batch.notes.append(note)
                for row in history:
                    batch.history.append((ids["history"], *row))
                    ids["history"] += 1
                for name in note_tags:
                    batch.tagged.append((ids["tagged"], tags[name], pk))
                    ids["tagged"] += 1
                for target in refs:
                    batch.references.append((ids["reference"], pk, target))
                    ids["reference"] += 1
            yield batch

    def _ref_target(self, pk: int, near: int, far: int) -> int:
        """Another note, usually an older one, for a ``{N}`` reference."""
        lowest, highest = self.note_ids
        if highest == lowest:
            return pk
        distance = self.rng.randint(near, far) % (highest - lowest) or 1
        target = pk - distance
        return target if target >= lowest else target + (highest - lowest + 1)

    def _tags(self, names: list[str]) -> dict[str, int]:
        known = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
        first = next_id(Tag)
        new = [name for name in names if name not in known]
        copy_rows(Tag, ["id", "name", "slug"], ((first + i, n, n) for i, n in enumerate(new)))
        known.update((name, first + i) for i, name in enumerate(new))
        return known

    def _note(
        self,
        corpus: Corpus,
        pk: int,
        paper: int,
        author: int,
        created: datetime,
        now: datetime,
        special: bool,
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[str], set[int]]:
        """A note's row, its history rows (without history_id), its tags and references."""
        rng = self.rng
        if special:
            extra = SPECIAL_REVISIONS - 1
            visibility, trashed = Visibility.PUBLIC, False
        else:
            extra = min(poisson(rng, self.revisions), 50)
            visibility = Visibility.PRIVATE if rng.random() < PRIVATE_SHARE else Visibility.PUBLIC
            trashed = rng.random() < TRASH_SHARE
        refs = (self._ref_target(pk, 1, 5000), self._ref_target(pk, 5001, 50_000))
        parts = corpus.compose()
        tags = corpus.choose_tags()
        span = (now - created).total_seconds()
        offsets = sorted(rng.uniform(0, span) for _ in range(extra))
        history = []
        for revision in range(extra + 1):
            if revision:
                parts = corpus.revise(parts)
                roll = rng.random()
                if roll < 0.15 and len(tags) < 5:
                    tags = sorted({*tags, *corpus.choose_tags()[:1]})
                elif roll < 0.25 and len(tags) > 1:
                    dropped = rng.choice(tags)
                    tags = [t for t in tags if t != dropped]
            date = created if revision == 0 else created + timedelta(seconds=offsets[revision - 1])
            body = assemble(parts, refs)
            message = rng.choice(EDIT_MESSAGES) if revision else ""
            history.append(
                (
                    pk,
                    paper,
                    author,
                    body.md,
                    body.html,
                    body.text,
                    body.size,
                    tags,
                    visibility,
                    revision,
                    message,
                    created,
                    date,
                    date,
                    "~" if revision else "+",
                    author,
                    None,
                )
            )
        modified = history[-1][12]
        deleted_at = (
            modified + timedelta(seconds=rng.uniform(0, (now - modified).total_seconds()))
            if trashed
            else None
        )
        note = (*history[-1][:12], modified, deleted_at)
        return note, history, tags, references(body, refs) - {pk}


# The note's columns in the order _note builds them; history rows share the first twelve.
NOTE_COLUMNS = [
    "id",
    "paper_id",
    "author_id",
    "body",
    "body_html",
    "body_text",
    "body_size",
    "tag_names",
    "visibility",
    "revision",
    "edit_message",
    "created",
    "modified",
    "deleted_at",
]
HISTORY_COLUMNS = [
    *NOTE_COLUMNS[:13],
    "history_date",
    "history_type",
    "history_user_id",
    "history_change_reason",
]
