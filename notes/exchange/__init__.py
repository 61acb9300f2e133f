"""Papers in, notes out: BibTeX and CSL-JSON (``citations``), importing a .bib library
(``bibtex_import``), and the archive of all of a user's notes that imports back
(``archive``). Uploads are checked by ``uploads`` before anything reads them."""
