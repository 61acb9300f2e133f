"""The Arabic catalogue is complete, its plural forms are Arabic's six, and the committed
.mo is compiled from the .po as it is now (nothing at run time needs GNU gettext)."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "ar" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
ARABIC_PLURALS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 && n%100<=99 ? 4 : 5;"
)


def _entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    return {
        (e.msgctxt, e.msgid): (dict(e.msgstr_plural) if e.msgid_plural else e.msgstr)
        for e in catalogue
        if not e.obsolete
    }


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(6)), entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


def test_the_plural_forms_are_arabics_six() -> None:
    assert polib.pofile(str(PO)).metadata["Plural-Forms"] == ARABIC_PLURALS


def test_the_committed_mo_is_compiled_from_the_po_as_it_is() -> None:
    po = _entries(polib.pofile(str(PO)))
    mo = _entries(polib.mofile(str(MO)))
    mo.pop((None, ""), None)  # the header
    stale = sorted(str(k) for k in po.keys() ^ mo.keys()) + sorted(
        str(k) for k in po.keys() & mo.keys() if po[k] != mo[k]
    )
    assert stale == [], "run: python manage.py compilemessages -l ar"
