"""Paper details from an identifier, fetched from the identifier's public source.

``identifiers`` tells what a pasted identifier is (arXiv id or URL, DOI or doi.org link,
PMID or PubMed link, PMCID); ``sources`` asks arXiv's API, Crossref's REST API (DataCite
for DOIs Crossref does not know) or NCBI's E-utilities and reads their answers;
``fetching`` is the one HTTP client they use (timeout, User-Agent, size cap). ``lookup``
adds the cache and the per-user rate limit, and is what views call.
"""
