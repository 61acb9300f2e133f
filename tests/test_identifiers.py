import pytest

from notes.identifiers import normalize_arxiv_id, normalize_doi, normalize_pmid


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
