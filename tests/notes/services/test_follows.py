"""Following tags, people and papers: the buttons, the Following page, and who is told
when a note is published (once, by the most specific reason, never about private notes
or one's own)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import Delivery, Follow, Notification, NotificationKind, Visibility
from notes.services import NoteContent, follows, note_save, notifications
from tests.conftest import client_for, make_user
from tests.factories import make_note, make_paper
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db

K = NotificationKind


def _told(user: User) -> list[str]:
    """What ``user`` has been told once the queue has run (a publication's fan-out is a job)."""
    run_jobs()
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True)
    )


# ------------------------------------------------------------------------------ buttons


def test_following_a_tag_from_its_page_and_unfollowing_it(
    alice: User, alice_client: Client
) -> None:
    page = alice_client.get("/tags/Physics/")
    assert b"Follow #physics" in page.content
    response = alice_client.post("/tags/Physics/follow/", {"follow": "1", "next": "/tags/physics/"})
    assert response.status_code == 302 and response["Location"] == "/tags/physics/"
    assert list(Follow.objects.filter(user=alice).values_list("tag", flat=True)) == ["physics"]
    assert b"Unfollow #physics" in alice_client.get("/tags/physics/").content
    alice_client.post("/tags/physics/follow/", {"follow": "0"})
    assert not Follow.objects.exists()


def test_following_twice_counts_once(alice: User, bob: User, alice_client: Client) -> None:
    for _ in range(2):
        alice_client.post(f"/u/{bob.username}/follow/", {"follow": "1"})
    assert Follow.objects.filter(user=alice, followed_user=bob).count() == 1


def test_the_database_refuses_a_follow_of_two_things_or_of_oneself(alice: User, bob: User) -> None:
    paper = make_paper(alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=alice, tag="x", paper=paper)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=alice, followed_user=alice)


def test_nobody_can_follow_themselves(alice: User, alice_client: Client) -> None:
    response = alice_client.post("/u/alice/follow/", {"follow": "1"}, follow=True)
    assert b"You cannot follow yourself." in response.content
    assert not Follow.objects.exists()
    assert b"Follow Alice" not in alice_client.get("/u/alice/").content


def test_following_a_paper_and_a_user_from_their_pages(
    alice: User, bob: User, alice_client: Client
) -> None:
    paper = make_paper(bob)
    assert b"Follow this paper" in alice_client.get(f"/papers/{paper.pk}/").content
    alice_client.post(f"/papers/{paper.pk}/follow/", {"follow": "1"})
    assert b"Follow Bob Builder" in alice_client.get("/u/bob/").content
    alice_client.post("/u/bob/follow/", {"follow": "1"})
    assert Follow.objects.filter(user=alice, paper=paper).exists()
    assert Follow.objects.filter(user=alice, followed_user=bob).exists()


def test_the_htmx_button_answers_with_the_new_button(alice: User, alice_client: Client) -> None:
    response = alice_client.post(
        "/tags/physics/follow/",
        {"follow": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/tags/physics/?page=2",
    )
    assert response.status_code == 200
    assert b"Unfollow #physics" in response.content
    assert b'value="/tags/physics/?page=2"' in response.content


def test_follow_permissions(alice: User, bob: User) -> None:
    paper = make_paper(bob)
    anonymous = Client()
    for url in ("/tags/physics/follow/", "/u/bob/follow/", f"/papers/{paper.pk}/follow/"):
        response = anonymous.post(url, {"follow": "1"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert client_for(alice).get(url).status_code == 405
    assert client_for(alice).post("/u/nobody/follow/", {"follow": "1"}).status_code == 404
    assert client_for(alice).post("/papers/999999/follow/", {"follow": "1"}).status_code == 404
    assert not Follow.objects.exists()
    assert anonymous.get("/following/").status_code == 302


def test_an_unsafe_next_goes_back_to_the_target_instead(alice_client: Client) -> None:
    response = alice_client.post(
        "/tags/physics/follow/", {"follow": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/tags/physics/"


def test_a_hostile_tag_is_a_404_or_normalised_never_a_500(alice_client: Client) -> None:
    assert alice_client.post("/tags/a%20b/follow/", {"follow": "1"}).status_code == 404
    assert alice_client.post(f"/tags/{'x' * 300}/follow/", {"follow": "1"}).status_code == 302
    assert not Follow.objects.exists()  # too long: refused with a message


# ---------------------------------------------------------------------- notifications


def test_a_new_public_note_tells_followers_of_its_tag_author_and_paper(
    alice: User, bob: User, carol: User
) -> None:
    dave = make_user("dave")
    paper = make_paper(carol)
    follows.follow(follower=bob, tag="physics")
    follows.follow(follower=carol, user=alice)
    follows.follow(follower=dave, paper=paper)
    note = make_note(alice, paper, tags=["physics"])
    assert _told(bob) == [K.FOLLOWED_TAG]
    assert _told(carol) == [K.FOLLOWED_USER]
    assert _told(dave) == [K.FOLLOWED_PAPER]
    n = Notification.objects.get(recipient=bob)
    assert n.note == note and n.actor == alice
    assert "tagged physics" in n.text


def test_one_notification_per_person_by_the_most_specific_reason(alice: User, bob: User) -> None:
    paper = make_paper(alice)
    follows.follow(follower=bob, tag="physics")
    follows.follow(follower=bob, user=alice)
    follows.follow(follower=bob, paper=paper)
    make_note(alice, paper, tags=["physics"], body="hello @bob")
    assert _told(bob) == [K.MENTION]
    other = make_paper(alice)
    follows.follow(follower=bob, paper=other)
    make_note(alice, other, tags=["physics"])
    assert _told(bob) == [K.MENTION, K.FOLLOWED_PAPER]


def test_private_notes_and_ones_own_notes_tell_nobody(alice: User, bob: User) -> None:
    follows.follow(follower=bob, user=alice)
    follows.follow(follower=alice, tag="physics")
    note = make_note(alice, tags=["physics"], visibility=Visibility.PRIVATE)
    assert _told(bob) == [] and _told(alice) == []
    # Made public: now it is published, and followers hear once.
    content = NoteContent(body=note.body, tags=["physics"], visibility=Visibility.PUBLIC)
    note = note_save(note=note, user=alice, content=content, base_revision=note.revision)
    assert _told(bob) == [K.FOLLOWED_USER]
    assert _told(alice) == []
    # A later revision is not news for followers.
    content = NoteContent(body="changed", tags=["physics"], visibility=Visibility.PUBLIC)
    note_save(note=note, user=alice, content=content, base_revision=note.revision)
    assert _told(bob) == [K.FOLLOWED_USER]


def test_the_per_kind_settings_cover_follows(alice: User, bob: User) -> None:
    follows.follow(follower=bob, tag="physics")
    settings_page = client_for(bob).get("/notifications/settings/").content.decode()
    for kind in (K.FOLLOWED_TAG, K.FOLLOWED_USER, K.FOLLOWED_PAPER):
        assert f'name="{kind.value}"' in settings_page
    notifications.save_preferences(user=bob, deliveries={K.FOLLOWED_TAG: Delivery.OFF})
    make_note(alice, tags=["physics"])
    assert _told(bob) == []
    notifications.save_preferences(user=bob, deliveries={K.FOLLOWED_TAG: Delivery.IMMEDIATE})
    make_note(alice, tags=["physics"])
    run_jobs()
    n = Notification.objects.get(recipient=bob)
    assert n.delivery == Delivery.IMMEDIATE


# ---------------------------------------------------------------------- Following page


def test_the_following_page_lists_notes_from_what_you_follow_newest_first(
    alice: User, bob: User, carol: User, carol_client: Client
) -> None:
    paper = make_paper(alice)
    by_tag = make_note(alice, tags=["optics"])
    on_paper = make_note(bob, paper, tags=["misc"])
    by_person = make_note(bob, tags=["misc"])
    unrelated = make_note(alice, tags=["misc"])
    private = make_note(alice, tags=["optics"], visibility=Visibility.PRIVATE)
    own = make_note(carol, tags=["optics"])
    for target in ({"tag": "optics"}, {"paper": paper}):
        follows.follow(follower=carol, **target)
    page = carol_client.get("/following/")
    assert page.status_code == 200
    assert [n.pk for n in page.context["page"]] == [own.pk, on_paper.pk, by_tag.pk]
    follows.follow(follower=carol, user=bob)
    page = carol_client.get("/following/")
    shown = [n.pk for n in page.context["page"]]
    assert shown == [own.pk, by_person.pk, on_paper.pk, by_tag.pk]
    assert unrelated.pk not in shown and private.pk not in shown
    html = page.content.decode()
    assert "Unfollow #optics" in html and "Unfollow Bob Builder" in html
    # Each note as a full entry: its head, meta line and body.
    for note in (own, by_person, on_paper, by_tag):
        assert f'<article class="entry" id="n{note.pk}"' in html
    assert html.count("A summary with") == 4


def test_the_following_page_without_follows(alice: User, alice_client: Client) -> None:
    make_note(alice)
    page = alice_client.get("/following/")
    assert b"You follow nothing yet" in page.content
    assert list(page.context["page"]) == []


def test_the_following_page_keeps_a_fixed_query_count(
    alice: User, bob: User, carol: User, carol_client: Client
) -> None:
    follows.follow(follower=carol, tag="physics")
    follows.follow(follower=carol, user=bob)
    make_note(alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert carol_client.get("/following/").status_code == 200
        return len(ctx)

    small = count()
    for i in range(25):
        make_note(bob if i % 2 else alice)
        follows.follow(follower=carol, paper=make_paper(alice))
    assert count() == small <= 8


def test_each_unfollow_button_on_the_following_page_posts_to_its_own_follow(
    alice: User, bob: User, carol: User
) -> None:
    # One form holds the list; each button names its own address (formaction).
    paper = make_paper(alice, title="Optics & lenses")
    for target in ({"tag": "optics"}, {"paper": paper}, {"user": bob}):
        follows.follow(follower=carol, **target)
    client = Client(enforce_csrf_checks=True)
    client.force_login(carol)
    html = client.get("/following/?page=1").content.decode()
    form = re.search(r'<form class="inline-form" method="post".*?</form>', html, re.DOTALL)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert fields["follow"] == "0" and fields["next"] == "/following/?page=1"
    buttons = {
        unescape(label): action
        for action, label in re.findall(r'formaction="([^"]+)">([^<]+)</button>', form)
    }
    assert buttons == {
        "Unfollow #optics": "/tags/optics/follow/",
        "Unfollow “Optics & lenses”": f"/papers/{paper.pk}/follow/",
        "Unfollow Bob Builder": "/u/bob/follow/",
    }
    response = client.post(buttons["Unfollow Bob Builder"], fields)
    assert response.status_code == 302 and response["Location"] == "/following/?page=1"
    assert not Follow.objects.filter(user=carol, followed_user=bob).exists()
    # The list is cached under what it shows: the page shows the follows as they are now.
    html = client.get("/following/").content.decode()
    assert "Unfollow Bob Builder" not in html and "Unfollow #optics" in html
    bob.display_name = "Robert"
    bob.save()
    follows.follow(follower=carol, user=bob)
    assert "Unfollow Robert" in client.get("/following/").content.decode()
