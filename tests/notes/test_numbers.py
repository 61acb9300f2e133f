"""Numbers in paths, query strings and forms are read strictly: ASCII digits, in range.

The cases the reports named, end to end, and the reading functions themselves; the walk
over every URL and parameter is in test_hostile_urls.py.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from notes.forms import CommentForm, ListingForm
from notes.models import Notification
from papernotes.numbers import MAX_ID, MAX_PAGE, MAX_REVISION, parse_int
from tests.factories import make_comment, make_note, revise

HUGE = "9" * 30


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("-1", None),
        ("+1", None),
        (" 7", None),
        ("7 ", None),
        ("1_000", None),
        ("1e3", None),
        ("²", None),
        ("١٢", None),
        ("１２", None),  # fullwidth digits
        ("1\x00", None),
        ("", None),
        (None, None),
        (True, None),
        (12, 12),
    ],
)
def test_parse_int_takes_ascii_digits_in_range_only(value: object, expected: int | None) -> None:
    assert parse_int(value) == expected


def test_parse_int_keeps_to_the_range_it_is_given() -> None:
    assert parse_int("5", minimum=1, maximum=5) == 5
    assert parse_int("6", minimum=1, maximum=5) is None
    assert parse_int("0", minimum=1) is None


def _note_with_history(alice: User):
    note = make_note(alice)
    revise(note, "A second revision.")
    return note


@pytest.mark.parametrize(
    "path",
    [
        "/n/{pk}/r/" + HUGE + "/",
        "/n/{pk}/r/" + str(MAX_REVISION + 1) + "/",
        "/n/{pk}/diff/0/" + HUGE + "/",
        "/n/{pk}/diff/" + str(2**63) + "/1/",
        "/n/{pk}/revert/" + HUGE + "/",
        "/n/" + str(2**63) + "/",
        "/n/" + HUGE + "/history/",
        "/papers/" + HUGE + "/",
        "/notifications/" + HUGE + "/",
        "/n/{pk}/c/" + HUGE + "/history/",
    ],
)
def test_numbers_past_their_column_in_a_path_are_not_found(
    alice: User, alice_client: Client, path: str
) -> None:
    note = _note_with_history(alice)

    response = alice_client.get(path.format(pk=note.pk))

    assert response.status_code == 404


def test_the_largest_numbers_a_column_holds_are_ordinary_misses(
    alice: User, alice_client: Client
) -> None:
    note = _note_with_history(alice)

    assert alice_client.get(f"/n/{note.pk}/r/{MAX_REVISION}/").status_code == 404
    assert alice_client.get(f"/n/{MAX_ID}/").status_code == 404
    assert alice_client.get(f"/n/{note.pk}/r/1/").status_code == 200


def test_reverse_refuses_numbers_the_columns_cannot_hold() -> None:
    with pytest.raises(NoReverseMatch):
        reverse("notes:note_diff", args=[1, -1, 0])
    with pytest.raises(NoReverseMatch):
        reverse("notes:note", args=[2**63])
    assert reverse("notes:note_diff", args=[1, 0, MAX_REVISION]) == f"/n/1/diff/0/{MAX_REVISION}/"


@pytest.mark.parametrize(
    "query",
    [
        {"a": HUGE, "b": "1"},
        {"a": "-1", "b": "0"},
        {"a": "0", "b": str(MAX_REVISION + 1)},
        {"a": "²", "b": "1"},
        {"a": "١", "b": "0"},
        {"a": "0"},
        {},
    ],
)
def test_compare_with_a_bad_number_asks_again(
    alice: User, alice_client: Client, query: dict[str, str]
) -> None:
    note = _note_with_history(alice)

    response = alice_client.get(f"/n/{note.pk}/compare/", query, follow=True)

    assert response.redirect_chain == [(f"/n/{note.pk}/history/", 302)]
    assert "Choose two revisions to compare." in response.content.decode()


def test_compare_sends_two_good_numbers_to_their_diff(alice: User, alice_client: Client) -> None:
    note = _note_with_history(alice)

    response = alice_client.get(f"/n/{note.pk}/compare/", {"a": "1", "b": "0"})

    assert response["Location"] == f"/n/{note.pk}/diff/0/1/"


@pytest.mark.parametrize("value", ["²", "١", HUGE, "-1", "0", "1 ", "1\x00"])
def test_marking_a_notification_read_refuses_a_bad_id(
    alice: User, bob: User, alice_client: Client, value: str
) -> None:
    make_comment(make_note(alice), bob)

    response = alice_client.post("/notifications/read/", {"id": value})

    assert response.status_code == 400
    assert "Bad notification id" in response.content.decode()
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 1


def test_marking_one_notification_read_still_works(
    alice: User, bob: User, alice_client: Client
) -> None:
    make_comment(make_note(alice), bob)
    notification = Notification.objects.get(recipient=alice)

    response = alice_client.post("/notifications/read/", {"id": str(notification.pk)})

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("path", ["/", "/search/?q=summary", "/tags/physics/", "/u/alice/"])
@pytest.mark.parametrize("page", [HUGE, str(2**63), str(MAX_PAGE + 1)])
def test_a_page_past_any_list_shows_its_last_page(
    alice: User, client: Client, path: str, page: str
) -> None:
    note = make_note(alice, body="A summary of the paper.", tags=["physics"])
    separator = "&" if "?" in path else "?"

    response = client.get(f"{path}{separator}page={page}")

    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert [entry.pk for entry in response.context["page"]] == [note.pk]


@pytest.mark.parametrize("page", ["²", "١٢", "1_000", "-3", "x"])
def test_a_page_that_is_not_a_number_is_the_first(alice: User, client: Client, page: str) -> None:
    make_note(alice)

    response = client.get("/", {"page": page})

    assert response.status_code == 200
    assert response.context["page"].number == 1


@pytest.mark.parametrize("stars", ["٣", "3 ", "+3", "03x", HUGE])
def test_stars_in_other_digits_are_refused(alice: User, bob_client: Client, stars: str) -> None:
    paper = make_note(alice).paper

    response = bob_client.post(f"/papers/{paper.pk}/rate/", {"stars": stars}, follow=True)

    assert "Choose from 1 to 5 stars." in response.content.decode()
    paper.refresh_from_db()
    assert paper.rating_count == 0


def test_form_numbers_take_ascii_digits_only(db: None) -> None:
    assert CommentForm({"body": "x", "parent": "١"}).errors["parent"] == [
        "Enter a whole number, in digits 0–9."
    ]
    assert "parent" in CommentForm({"body": "x", "parent": HUGE}).errors
    assert CommentForm({"body": "x", "parent": "12"}).is_valid()
    form = ListingForm({"year_from": "٢٠٠٠", "year_to": "2010"})
    listing = form.listing([])
    assert (listing.year_from, listing.year_to) == (None, 2010)
