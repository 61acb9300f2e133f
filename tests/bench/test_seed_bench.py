"""The benchmark's data set generator (seed_bench), at a small scale."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.management.base import CommandError
from django.db import connection, models

from accounts.models import User
from bench import seeding
from notes.caching import generations, public_tagged
from notes.markup.rendering import render_markdown
from notes.models import Follow, Note, Notification, Paper, PublicTagged, Visibility
from notes.selectors import search
from notes.services.notes import note_href
from tests.bench.conftest import seed
from tests.factories import make_note, make_paper, revise

NOTES, USERS, READERS = 300, 20, 2


@pytest.fixture
def seeded(db) -> str:
    return seed()


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _bulk_tables() -> list[str]:
    return [model._meta.db_table for model in seeding.BULK_TABLES]


def test_it_creates_the_notes_users_and_papers_asked_for(seeded: str) -> None:
    assert Note.objects.count() == NOTES
    generated = User.objects.filter(username__startswith="bench_")
    assert generated.exclude(username__startswith="bench_reader_").count() == USERS
    assert Paper.objects.count() == round(NOTES * 0.6)
    assert Paper.history.model.objects.count() == Paper.objects.count()
    assert "VACUUM skipped" in seeded  # tests run inside a transaction


def test_every_note_has_one_history_row_per_revision_and_its_head_is_the_last(
    seeded: str,
) -> None:
    assert Note.history.model.objects.count() >= NOTES + seeding.SPECIAL_REVISIONS - 1
    assert not _scalar(
        "SELECT count(*) FROM notes_note n WHERE n.revision + 1 <> "
        "(SELECT count(*) FROM notes_historicalnote h WHERE h.id = n.id)"
    )
    assert not _scalar(
        "SELECT count(*) FROM notes_note n JOIN notes_historicalnote h "
        "ON h.id = n.id AND h.revision = n.revision "
        "WHERE h.body <> n.body OR h.body_html <> n.body_html OR h.tag_names <> n.tag_names "
        "OR h.modified <> n.modified"
    )
    assert Note.objects.filter(revision__gt=0).exists()


def test_one_public_note_has_1000_revisions_that_differ(seeded: str) -> None:
    assert seeding.SPECIAL_REVISIONS == 1000
    note = Note.objects.get(revision=999)
    history = list(note.history.order_by("revision"))
    assert [h.revision for h in history] == list(range(1000))
    assert history[0].history_type == "+"
    assert {h.history_type for h in history[1:]} == {"~"}
    assert len({h.body for h in history}) > 100
    assert [h.history_date for h in history] == sorted(h.history_date for h in history)
    assert note.is_public and not note.in_trash
    assert f"/n/{note.pk}/" in seeded


def test_bodies_are_what_the_renderer_makes_of_them(seeded: str) -> None:
    for note in Note.objects.order_by("pk")[::15]:
        rendered = render_markdown(
            note.body, linkable_notes=lambda numbers: numbers, note_href=note_href
        )
        assert rendered.html == note.body_html
        assert rendered.text == note.body_text
        assert 300 <= note.body_size <= 3000
        assert note.body_size == len(note.body.encode())
    assert Note.objects.filter(body__contains="$$").exists()
    assert Note.objects.filter(body_html__contains="<math").exists()
    assert Note.objects.filter(body__startswith="## ").exists()


def test_tags_are_taggit_rows_with_a_few_tags_far_more_common_than_the_rest(
    seeded: str,
) -> None:
    for note in Note.objects.prefetch_related("tags")[:100]:
        assert sorted(tag.name for tag in note.tags.all()) == note.tag_names
        assert 1 <= len(note.tag_names) <= 5
    counts = sorted(
        (
            Note.objects.filter(tag_names__contains=[name]).count()
            for name in {t for n in Note.objects.values_list("tag_names", flat=True) for t in n}
        ),
        reverse=True,
    )
    assert counts[0] >= NOTES // 10
    assert counts[0] >= 10 * counts[len(counts) // 2]


def test_search_data_is_what_the_site_builds_for_every_note(seeded: str) -> None:
    columns = ["id", *search.SEARCH_COLUMNS]
    loaded = list(Note.objects.order_by("pk").values_list(*columns))
    search.refresh()
    assert list(Note.objects.order_by("pk").values_list(*columns)) == loaded
    assert not Note.objects.filter(search_vector__isnull=True).exists()
    assert not Note.objects.filter(search_pairs__isnull=True).exists()
    assert not Note.objects.filter(paper_title="").exists()
    common = Note.objects.filter(search_vector=SearchQuery("network", config="english"))
    assert NOTES // 20 < common.count() < NOTES


def test_every_public_note_is_under_its_tags_by_date(seeded: str) -> None:
    loaded = set(PublicTagged.objects.values_list("tag", "modified", "note_id"))
    public_tagged.rebuild()
    assert set(PublicTagged.objects.values_list("tag", "modified", "note_id")) == loaded
    public = Note.objects.visible_to(AnonymousUser())
    assert len(loaded) == sum(len(tags) for tags in public.values_list("tag_names", flat=True))


def test_about_a_tenth_are_private_and_a_few_in_the_trash(seeded: str) -> None:
    private = Note.objects.filter(visibility=Visibility.PRIVATE).count()
    trashed = Note.objects.filter(deleted_at__isnull=False).count()
    assert NOTES * 0.04 <= private <= NOTES * 0.18
    assert trashed <= NOTES * 0.04
    assert Note.objects.visible_to(AnonymousUser()).count() < NOTES


def test_readers_follow_tags_people_and_papers_and_have_notifications(seeded: str) -> None:
    readers = User.objects.filter(username__startswith="bench_reader_")
    assert readers.count() == READERS
    public = Note.objects.visible_to(AnonymousUser())
    for reader in readers:
        follows = Follow.objects.filter(user=reader)
        assert follows.exclude(tag="").count() == seeding.READER_FOLLOWS
        # As many as there are: this data set has only 20 people.
        assert follows.filter(followed_user__isnull=False).count() == USERS
        assert follows.filter(paper__isnull=False).count() == seeding.READER_FOLLOWS
        notified = Notification.objects.filter(recipient=reader)
        assert notified.count() == min(seeding.READER_NOTIFICATIONS, public.count())
        assert notified.filter(read_at__isnull=True).count() == seeding.READER_UNREAD
        assert not notified.exclude(note__in=public).exists()
    assert "bench_reader_1" in seeded


def test_every_reference_between_rows_holds(seeded: str) -> None:
    """Foreign keys are not checked while loading (see bench.seeding): the rows must hold."""
    orphans = {}
    for model in [*apps.get_app_config("notes").get_models(), User]:
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.related_model._meta
            count = _scalar(
                f"SELECT count(*) FROM {model._meta.db_table} AS t "  # noqa: S608
                f"LEFT JOIN {target.db_table} AS r ON r.{target.pk.column} = t.{field.column} "
                f"WHERE t.{field.column} IS NOT NULL AND r.{target.pk.column} IS NULL"
            )
            if count:
                orphans[f"{model._meta.db_table}.{field.column}"] = count
    assert orphans == {}


def test_the_indexes_dropped_for_the_load_are_built_again(db) -> None:
    before = seeding.secondary_indexes(_bulk_tables())
    assert any(name == "notes_note_search_pairs_idx" for name, _ in before)
    seed()
    assert seeding.secondary_indexes(_bulk_tables()) == before


def test_the_site_writes_after_the_seed_with_new_numbers(seeded: str) -> None:
    author = User.objects.filter(username__startswith="bench_").first()
    paper = Paper.objects.exclude(notes__author=author).first()
    note = make_note(author, paper, body="Written after the seed.")
    revised = revise(note, "Revised after the seed.")
    assert note.pk > max(Note.objects.exclude(pk=note.pk).values_list("pk", flat=True))
    assert revised.revision == 1
    assert make_paper(author).pk > paper.pk


def test_caches_learn_that_the_public_data_changed(db) -> None:
    before = generations.public()
    seed()
    assert generations.public() is not None and generations.public() != before


def test_no_loading_table_is_left_behind(seeded: str) -> None:
    for table in (seeding.STAGING_TABLE, seeding.DOCUMENTS_TABLE, seeding.PAIRS_TABLE):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname = %s", [table])
            assert cursor.fetchone()[0] == 0


def test_it_reports_cpu_time_and_the_rate(seeded: str) -> None:
    assert "CPU: this process" in seeded
    assert "notes/s" in seeded


def test_it_refuses_a_database_that_already_has_notes(seeded: str) -> None:
    with pytest.raises(CommandError, match="--reset"):
        seed(notes=10, users=5)
    assert Note.objects.count() == NOTES


def test_if_empty_leaves_existing_notes_alone(seeded: str) -> None:
    assert "nothing to do" in seed(notes=10, users=5, if_empty=True)
    assert Note.objects.count() == NOTES


def test_reset_replaces_the_previous_data(seeded: str) -> None:
    seed(notes=40, users=5, papers=30, readers=1, reset=True)
    assert Note.objects.count() == 40
    assert Paper.objects.count() == 30
    assert User.objects.filter(username__startswith="bench_").count() == 5 + 1
    assert Note.history.model.objects.filter(id__in=Note.objects.values("pk")).count() >= 40 + 199


def test_a_database_with_papers_of_its_own_keeps_them(alice: User) -> None:
    own = Paper.objects.create(title="Kept", created_by=alice)
    output = seed(notes=40, users=5, papers=30)
    assert Paper.objects.filter(pk=own.pk).exists()
    assert Paper.objects.count() == 31
    assert "deleting" not in output


def test_it_refuses_more_notes_than_papers_and_users_can_hold(db) -> None:
    with pytest.raises(CommandError, match="do not fit"):
        seed(notes=100, users=2, papers=10)
