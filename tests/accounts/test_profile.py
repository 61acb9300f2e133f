"""A user's public page, /u/<username>/."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from accounts.models import User
from tests.conftest import make_user


def test_it_shows_the_profile(client: Client, alice: User) -> None:
    alice.affiliation = "Christ Church, Oxford"
    alice.bio = "Reads about rabbits."
    alice.date_joined = dt.datetime(2021, 3, 4, tzinfo=dt.UTC)
    alice.save()

    response = client.get("/u/alice/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 dir="auto">Alice Liddell</h1>' in html
    assert '<dt>Username</dt><dd dir="auto">alice</dd>' in html
    assert '<dt>Affiliation</dt><dd dir="auto">Christ Church, Oxford</dd>' in html
    assert '<time datetime="2021-03-04">March 2021</time>' in html
    assert "Reads about rabbits." in html
    assert "<title>Alice Liddell · PaperNotes</title>" in html


def test_without_a_display_name_the_username_is_the_heading(client: Client, carol: User) -> None:
    html = client.get("/u/carol/").content.decode()

    assert '<h1 dir="auto">carol</h1>' in html
    assert "<dt>Affiliation</dt>" not in html


def test_it_is_404_for_an_unknown_user(client: Client, db: None) -> None:
    assert client.get("/u/nobody/").status_code == 404


def test_it_is_404_for_a_deactivated_user(client: Client, alice: User) -> None:
    alice.is_active = False
    alice.save()

    assert client.get("/u/alice/").status_code == 404


def test_it_is_404_for_a_username_with_a_nul_byte(client: Client, db: None) -> None:
    assert client.get("/u/ali%00ce/").status_code == 404


def test_another_case_of_the_username_redirects_to_the_one_address(
    client: Client, alice: User
) -> None:
    response = client.get("/u/ALICE/")

    assert response.status_code == 301
    assert response["Location"] == "/u/alice/"


def test_it_reaches_usernames_with_any_allowed_characters(client: Client, db: None) -> None:
    make_user("d.o+r@-田中", display_name="Dora")

    response = client.get(User.objects.get(display_name="Dora").get_absolute_url())

    assert response.status_code == 200
    assert '<h1 dir="auto">Dora</h1>' in response.content.decode()


def test_it_escapes_html_in_the_bio_and_keeps_line_breaks(client: Client, alice: User) -> None:
    alice.bio = '<script>alert("x")</script>\nSecond line\n\nNew paragraph <b>bold?</b>'
    alice.display_name = "<i>Alice</i>"
    alice.affiliation = "<a href='//evil.example'>Oxford</a>"
    alice.save()

    html = client.get("/u/alice/").content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Second line</p>" in html
    assert "<p>New paragraph &lt;b&gt;bold?&lt;/b&gt;</p>" in html
    assert '<h1 dir="auto">&lt;i&gt;Alice&lt;/i&gt;</h1>' in html
    assert "<a href='//evil.example'>" not in html


def test_it_offers_you_a_link_to_edit_your_own_profile(alice_client: Client) -> None:
    html = alice_client.get("/u/alice/").content.decode()

    assert 'href="/accounts/profile/">Edit your profile</a>' in html


def test_it_offers_no_edit_link_on_someone_elses_profile(
    bob_client: Client, client: Client, alice: User
) -> None:
    assert "/accounts/profile/" not in bob_client.get("/u/alice/").content.decode()
    assert "/accounts/profile/" not in client.get("/u/alice/").content.decode()


def test_it_rejects_post(client: Client, alice: User) -> None:
    assert client.post("/u/alice/").status_code == 405
