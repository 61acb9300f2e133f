"""What a lookup finds about a paper, in the shape of the paper form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from notes.wording import Said, said, words


@dataclass(frozen=True)
class PaperDetails:
    """A paper's details as a source gives them; ``source`` names it for messages."""

    source: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    venue: str = ""
    abstract: str = ""
    url: str = ""
    doi: str = ""
    arxiv_id: str = ""
    pmid: str = ""

    def form_initial(self) -> dict[str, Any]:
        """The paper form's fields, filled with these details."""
        return {
            "title": self.title,
            "authors": ", ".join(self.authors),
            "year": self.year,
            "venue": self.venue,
            "abstract": self.abstract,
            "url": self.url,
            "doi": self.doi,
            "arxiv_id": self.arxiv_id,
            "pmid": self.pmid,
        }

    def to_cache(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> PaperDetails:
        return cls(**data)


class LookupFailed(Exception):
    """The details could not be found; ``message`` says why, fit to show the user, in the
    language active where it is read. Made from a message id (``gettext_noop``) and its
    parameters, or from messages already kept (``notes.wording``)."""

    def __init__(self, text: str | Said | list[Said], /, **args: Any) -> None:
        self.said = said(text, **args) if isinstance(text, str) else text
        super().__init__(words(self.said))

    @property
    def message(self) -> str:
        return words(self.said)


class NotFound(LookupFailed):
    """The source answered that it does not know the identifier."""


class SourceUnavailable(LookupFailed):
    """The source could not be reached, was too slow, failed, or answered nonsense."""
