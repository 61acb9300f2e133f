import pytest

from accounts.models import User
from notes.markup.identifiers import normalize_arxiv_id, normalize_doi, normalize_pmid
from notes.models import Paper
from tests.conftest import client_for
from tests.factories import make_paper


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://doi.org/10.1/ABC", "10.1/abc"),
        ("http://dx.doi.org/10.1038/S41586-021-03819-2", "10.1038/s41586-021-03819-2"),
        ("doi:10.1109/CVPR.2016.90", "10.1109/cvpr.2016.90"),
        ("  10.1000/xyz123. ", "10.1000/xyz123"),
    ],
)
def test_doi_is_normalised(raw: str, expected: str) -> None:
    assert normalize_doi(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("arXiv:1707.03389v3", "1707.03389"),
        ("1707.03389", "1707.03389"),
        ("https://arxiv.org/abs/2101.00001v2", "2101.00001"),
        ("https://arxiv.org/pdf/1707.03389.pdf", "1707.03389"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("arXiv:math.GT/0309136v1", "math.gt/0309136"),
    ],
)
def test_arxiv_id_is_normalised(raw: str, expected: str) -> None:
    assert normalize_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PMID-31942076", "31942076"),
        ("PMID: 31942076", "31942076"),
        ("https://pubmed.ncbi.nlm.nih.gov/31942076/", "31942076"),
        ("31942076", "31942076"),
    ],
)
def test_pmid_is_normalised(raw: str, expected: str) -> None:
    assert normalize_pmid(raw) == expected


@pytest.mark.parametrize("raw", ["11.1/abc", "10./x", "doi:", "10.1000", "https://example.org/x"])
def test_bad_doi_is_refused_with_an_example(raw: str) -> None:
    with pytest.raises(ValueError, match=r"10\.1000/xyz123"):
        normalize_doi(raw)


@pytest.mark.parametrize("raw", ["1707.033", "arXiv:", "17070.3389", "<script>", "../etc"])
def test_bad_arxiv_id_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="arXiv id"):
        normalize_arxiv_id(raw)


@pytest.mark.parametrize("raw", ["PMID-abc", "0", "12345678901", "", "-5"])
def test_bad_pmid_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="PubMed id"):
        normalize_pmid(raw)


# Digits in other scripts look like these but are not: "PMID ٣١٩٤٢٠٧٦" must not become a
# second paper beside PMID 31942076 (nor a link to an address PubMed does not have).
OTHER_DIGITS = {
    "Arabic-Indic": "٣١٩٤٢٠٧٦",
    "Devanagari": "३१९४२०७६",
    "fullwidth": "３１９４２０７６",
    "mathematical bold": "𝟑𝟏𝟗𝟒𝟐𝟎𝟕𝟔",
}


@pytest.mark.parametrize("digits", OTHER_DIGITS.values(), ids=OTHER_DIGITS.keys())
def test_a_pmid_takes_ascii_digits_only(digits: str) -> None:
    for raw in (digits, f"PMID-{digits}", f"https://pubmed.ncbi.nlm.nih.gov/{digits}/"):
        with pytest.raises(ValueError, match="PubMed id"):
            normalize_pmid(raw)


@pytest.mark.parametrize(
    "raw", ["10.١٠٣٨/nature14539", "10.1038.٥/x", "１０.1038/x", "doi:10.１０３８/x"]
)
def test_a_doi_prefix_takes_ascii_digits_only(raw: str) -> None:
    with pytest.raises(ValueError, match="DOI"):
        normalize_doi(raw)


@pytest.mark.parametrize(
    "raw",
    ["١٧٠٧.٠٣٣٨٩", "1707.03389v٣", "hep-th/٩٩٠١٠٠١", "hep-th/9901001v٢", "\u212aep-th/9901001"],
)
def test_an_arxiv_id_takes_ascii_only(raw: str) -> None:
    with pytest.raises(ValueError, match="arXiv id"):
        normalize_arxiv_id(raw)


def test_a_look_alike_pmid_is_refused_not_added_as_a_second_paper(alice: User, bob: User) -> None:
    make_paper(alice, title="The original", pmid="31942076")
    client = client_for(bob)

    response = client.post("/papers/new/", {"title": "A copy", "pmid": "PMID-٣١٩٤٢٠٧٦"})

    assert response.status_code == 200
    assert "Enter a PubMed id: digits only" in response.content.decode()
    assert list(Paper.objects.values_list("pmid", flat=True)) == ["31942076"]
