"""Demo content: a few users, papers and summaries, a conversation under one of them,
follows, and a flag waiting in the moderation queue, that show what PaperNotes does.

Safe to run again: what exists is left alone, so ``make run`` can call it every time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from notes.models import Comment, FlagReason, Note, Paper, Visibility
from notes.services import NoteContent, follows, moderation, note_create, note_save
from notes.services.comments import comment_post
from notes.services.reactions import note_vote, paper_rate

USERS = [
    # username, password, display name, affiliation, staff
    ("alice", "alice-reads-papers", "Alice Liddell", "Oxford, Mathematical Institute", False),
    ("bob", "bob-reads-papers", "Bob Builder", "ETH Zürich, Computer Science", False),
    ("carol", "carol-reads-papers", "Carol Shaw", "EMBL Heidelberg", False),
    ("editor", "editor-keeps-order", "The Editor", "PaperNotes", True),
    ("mallory", "mallory-sells-things", "Mallory Spamwell", "", False),
]

SPAM_COMMENT = "Great summary!!! Cheap essay writing at https://essays.example.com — 50% off."

PAPERS = [
    {
        "title": "Attention Is All You Need",
        "authors": "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, "
        "Aidan N. Gomez, Łukasz Kaiser, Illia Polosukhin",
        "year": 2017,
        "venue": "NeurIPS",
        "arxiv_id": "1706.03762",
        "abstract": "A sequence transduction architecture based solely on attention, "
        "dispensing with recurrence and convolutions entirely.",
    },
    {
        "title": "Deep Residual Learning for Image Recognition",
        "authors": "Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun",
        "year": 2016,
        "venue": "CVPR",
        "doi": "10.1109/cvpr.2016.90",
        "arxiv_id": "1512.03385",
        "abstract": "Residual connections let very deep convolutional networks train well.",
    },
    {
        "title": "Auto-Encoding Variational Bayes",
        "authors": "Diederik P. Kingma, Max Welling",
        "year": 2013,
        "venue": "ICLR 2014",
        "arxiv_id": "1312.6114",
        "abstract": "Stochastic variational inference and learning for directed models with "
        "continuous latent variables, through a reparameterised lower bound.",
    },
    {
        "title": "Highly accurate protein structure prediction with AlphaFold",
        "authors": "John Jumper, Richard Evans, Alexander Pritzel, et al.",
        "year": 2021,
        "venue": "Nature",
        "doi": "10.1038/s41586-021-03819-2",
        "pmid": "34265844",
        "abstract": "A neural network that predicts protein structures with atomic accuracy "
        "even when no similar structure is known.",
    },
]

TRANSFORMER_REVISIONS = [
    (
        "First reading notes.\n\nAttention: $\\mathrm{softmax}(QK^T)V$.",
        ["transformers", "attention"],
        "",
    ),
    (
        "## Idea\n\nReplace recurrence by *scaled dot-product attention*:\n\n"
        "$$\\mathrm{Attention}(Q,K,V) = "
        "\\mathrm{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k}}\\right)V$$\n\n"
        "The scaling by $\\sqrt{d_k}$ keeps the logits' variance near 1 when $q_i, k_j$ have "
        "unit-variance entries.",
        ["transformers", "attention", "nlp"],
        "Add the scaled formula",
    ),
    (
        "## Idea\n\nReplace recurrence by *scaled dot-product attention*:\n\n"
        "$$\\mathrm{Attention}(Q,K,V) = "
        "\\mathrm{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k}}\\right)V$$\n\n"
        "The scaling by $\\sqrt{d_k}$ keeps the logits' variance near 1 when $q_i, k_j$ have "
        "unit-variance entries.\n\n## Details\n\n"
        "| part | size |\n|---|---|\n| $d_{model}$ | 512 |\n"
        "| heads $h$ | 8 |\n| $d_k = d_v$ | 64 |\n\n"
        "Positional encodings: $PE_{(pos,2i)} = \\sin(pos/10000^{2i/d_{model}})$.[^1]\n\n"
        "[^1]: Learned embeddings worked about as well in their ablation.",
        ["transformers", "attention", "nlp", "deep-learning"],
        "Hyper-parameters and positional encodings",
    ),
]


class Command(BaseCommand):
    help = "Create demo users, papers and summaries (idempotent) and print how to log in."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users = {row[0]: self._user(*row) for row in USERS}
            papers = [self._paper(data, users["alice"]) for data in PAPERS]
            # Before the notes, so that alice hears of new notes with the tag she follows.
            self._follows(users, papers)
            self._notes(users, papers)
            self._conversation(users, papers[0])
            self._votes_and_ratings(users, papers)
            self._flag(users, papers[1])
        self.stdout.write(self.style.SUCCESS("Demo content is ready. Log in as:"))
        for username, password, _name, _aff, staff in USERS:
            role = " (staff: also /admin/)" if staff else ""
            self.stdout.write(f"  {username:8} password: {password}{role}")

    @staticmethod
    def _user(username: str, password: str, name: str, affiliation: str, staff: bool) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                email=f"{username}@example.org",
                password=password,
                display_name=name,
                affiliation=affiliation,
                is_staff=staff,
                is_superuser=staff,
            )
        return user

    @staticmethod
    def _paper(data: dict[str, Any], creator: User) -> Paper:
        existing = Paper.objects.by_identifier(
            doi=data.get("doi", ""), arxiv_id=data.get("arxiv_id", ""), pmid=data.get("pmid", "")
        )
        return existing or Paper.objects.create(created_by=creator, **data)

    @staticmethod
    def _votes_and_ratings(users: dict[str, User], papers: list[Paper]) -> None:
        """Votes on others' public summaries and a few star ratings.

        Setting a vote or a rating that is already there changes nothing, so running the
        demo again leaves the counts as they are.
        """
        transformer, resnet, vae, alphafold = papers
        public = Note.objects.filter(visibility=Visibility.PUBLIC, deleted_at__isnull=True)
        votes = {
            "alice": [resnet, alphafold],
            "bob": [transformer, alphafold],
            "carol": [transformer, resnet],
            "editor": [transformer],
        }
        for username, voted_papers in votes.items():
            voter = users[username]
            for note in public.filter(paper__in=voted_papers).exclude(author=voter):
                note_vote(note=note, user=voter, vote=True)
        ratings = {
            "alice": {resnet: 5, alphafold: 4},
            "bob": {transformer: 5, vae: 4, alphafold: 5},
            "carol": {transformer: 4, resnet: 3},
        }
        for username, stars_by_paper in ratings.items():
            for paper, stars in stars_by_paper.items():
                paper_rate(paper=paper, user=users[username], stars=stars)

    def _notes(self, users: dict[str, User], papers: list[Paper]) -> None:
        transformer, resnet, vae, alphafold = papers
        alice, bob, carol = users["alice"], users["bob"], users["carol"]
        if Note.objects.filter(author=alice, paper=transformer).exists():
            return  # the demo notes were made on an earlier run

        first_body, first_tags, _ = TRANSFORMER_REVISIONS[0]
        note = note_create(
            paper=transformer,
            author=alice,
            content=NoteContent(first_body, first_tags, Visibility.PUBLIC),
        )
        for body, tags, message in TRANSFORMER_REVISIONS[1:]:
            note = note_save(
                note=note,
                user=alice,
                content=NoteContent(body, tags, Visibility.PUBLIC, message),
                base_revision=note.revision,
            )

        note_create(
            paper=vae,
            author=alice,
            content=NoteContent(
                "Private reading notes. The evidence lower bound:\n\n"
                "$$\\log p_\\theta(x) \\ge \\mathbb{E}_{q_\\phi(z|x)}[\\log p_\\theta(x|z)]"
                " - D_{KL}(q_\\phi(z|x) \\| p(z))$$\n\n"
                "Reparameterise $z = \\mu + \\sigma \\odot \\epsilon$ with "
                "$\\epsilon \\sim \\mathcal{N}(0, I)$ so the gradient flows through "
                "$\\mu, \\sigma$.",
                ["variational-inference", "generative-models", "todo"],
                Visibility.PRIVATE,
            ),
        )
        note_create(
            paper=resnet,
            author=bob,
            content=NoteContent(
                "Learn the residual $F(x) = H(x) - x$ instead of $H(x)$; the block outputs "
                "$y = F(x, \\{W_i\\}) + x$.\n\n"
                "- identity shortcuts add no parameters\n"
                "- projection shortcuts $W_s x$ only where dimensions change\n"
                "  - option B in their table\n\n"
                f"Compare with the attention-only design in {{{note.pk}}}. "
                "Published as doi:10.1109/CVPR.2016.90.",
                ["deep-learning", "vision", "cnn"],
                Visibility.PUBLIC,
            ),
        )
        note_create(
            paper=transformer,
            author=bob,
            content=NoteContent(
                f"My short take (Alice's longer one is {{{note.pk}}}): multi-head attention is "
                "$h$ attentions on projected inputs, concatenated: "
                "$\\mathrm{MultiHead}(Q,K,V) = \\mathrm{Concat}(\\mathrm{head}_1,\\dots,"
                "\\mathrm{head}_h)W^O$. Preprint: arXiv:1706.03762.",
                ["transformers", "attention"],
                Visibility.PUBLIC,
            ),
        )
        note_create(
            paper=alphafold,
            author=carol,
            content=NoteContent(
                "AlphaFold 2 (PMID-34265844) predicts atomic coordinates end to end.\n\n"
                "1. Evoformer blocks exchange information between the MSA and pair "
                "representations.\n2. The structure module refines a frame per residue.\n\n"
                "Confidence is reported per residue as pLDDT $\\in [0, 100]$.\n\n"
                "ملاحظة: النتائج دقيقة جداً حتى بدون بنية مشابهة معروفة.",
                ["protein-structure", "deep-learning", "biology"],
                Visibility.PUBLIC,
            ),
        )

    @staticmethod
    def _follows(users: dict[str, User], papers: list[Paper]) -> None:
        """alice follows a tag and carol; bob follows the AlphaFold paper."""
        follows.follow(follower=users["alice"], tag="deep-learning")
        follows.follow(follower=users["alice"], user=users["carol"])
        follows.follow(follower=users["bob"], paper=papers[3])

    @staticmethod
    def _flag(users: dict[str, User], resnet: Paper) -> None:
        """mallory advertises under bob's ResNet summary; bob flags it for the editor."""
        note = Note.objects.filter(author=users["bob"], paper=resnet).first()
        if note is None or Comment.objects.filter(note=note, author=users["mallory"]).exists():
            return  # made on an earlier run
        spam = comment_post(note=note, author=users["mallory"], body=SPAM_COMMENT)
        moderation.flag(flagger=users["bob"], item=spam, reason=FlagReason.SPAM)

    @staticmethod
    def _conversation(users: dict[str, User], transformer: Paper) -> None:
        """Comments and replies under alice's transformer summary, with a mention."""
        note = Note.objects.filter(author=users["alice"], paper=transformer).first()
        if note is None or Comment.objects.filter(note=note).exists():
            return  # made on an earlier run
        alice, bob, carol = users["alice"], users["bob"], users["carol"]
        question = comment_post(
            note=note,
            author=bob,
            body="Why $\\sqrt{d_k}$ and not $d_k$? With unit-variance $q_i, k_j$ the dot "
            "product has variance $d_k$, so dividing by its square root gives variance 1.",
        )
        answer = comment_post(
            note=note,
            author=alice,
            parent=question,
            body="Exactly: the *standard deviation* is $\\sqrt{d_k}$. Dividing by $d_k$ "
            "would shrink the logits and flatten the softmax.",
        )
        comment_post(
            note=note,
            author=carol,
            parent=answer,
            body="@bob the same argument appears for initialisation schemes; "
            "see the Xavier/Glorot derivation.",
        )
        comment_post(
            note=note,
            author=carol,
            body="Would a table of the base vs. big model sizes fit here too?",
        )
