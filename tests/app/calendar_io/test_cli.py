"""`flask import-calendar FILE --as EMAIL`: same validation and all-or-nothing rule as the upload page."""
from __future__ import annotations

from app.extensions import db
from app.models import Post
from tests.app.calendar_io.test_import import _file, _good_rows, _posts
from tests.app.conftest import last_audit


def _run(runner, tmp_path, raw: bytes, email: str, *extra: str):
    path = tmp_path / "kalender.csv"
    path.write_bytes(raw)
    return runner.invoke(args=["import-calendar", str(path), "--as", email, *extra])


def test_creates_drafts_for_the_named_user_with_a_progress_bar(desk, runner, tmp_path):
    result = _run(runner, tmp_path, _file(_good_rows(desk)), desk.opd_admin.email)
    assert result.exit_code == 0, result.output
    assert "Checking rows" in result.output and "Created 2 draft(s)" in result.output
    created = list(db.session.scalars(db.select(Post).where(Post.title.in_(["Imunisasi", "Donor darah"]))))
    assert len(created) == 2 and {p.author_id for p in created} == {desk.opd_admin.id}
    assert last_audit("calendar.imported").actor_id == desk.opd_admin.id
    assert last_audit("post.created").actor_id == desk.opd_admin.id


def test_row_errors_exit_1_and_write_nothing(desk, runner, tmp_path):
    rows = [*_good_rows(desk), {"organisation": "Dinas Kesehatan", "accounts": "x:tidakada", "body": "Halo"}]
    result = _run(runner, tmp_path, _file(rows), desk.opd_admin.email)
    assert result.exit_code == 1
    assert "error: row 4, accounts: Tidak ada akun aktif “x:tidakada”" in result.output
    assert "nothing was created" in result.output and _posts() == 1


def test_messages_in_the_users_language(desk, runner, tmp_path):
    desk.opd_admin.locale = "en"
    db.session.commit()
    rows = [{"organisation": "Dinas Kesehatan", "accounts": "x:tidakada", "body": "Halo"}]
    result = _run(runner, tmp_path, _file(rows), desk.opd_admin.email)
    assert result.exit_code == 1 and "No active account “x:tidakada”" in result.output


def test_the_actor_needs_the_admin_role_like_on_the_web(desk, runner, tmp_path):
    result = _run(runner, tmp_path, _file(_good_rows(desk)), desk.viewer.email)
    assert result.exit_code == 1 and "Tidak ada organisasi" in result.output and _posts() == 1


def test_unreadable_file_or_unknown_user_exit_2(desk, runner, tmp_path):
    result = _run(runner, tmp_path, "organisation;é".encode("latin-1"), desk.opd_admin.email)
    assert result.exit_code == 2 and "UTF-8" in result.output
    result = _run(runner, tmp_path, _file(_good_rows(desk)), "nobody@example.org")
    assert result.exit_code != 0 and "No active user" in result.output
    desk.opd_admin.active = False
    db.session.commit()
    assert _run(runner, tmp_path, _file(_good_rows(desk)), desk.opd_admin.email).exit_code != 0
    assert _posts() == 1


def test_check_only(desk, runner, tmp_path):
    result = _run(runner, tmp_path, _file(_good_rows(desk)), desk.opd_admin.email, "--check-only")
    assert result.exit_code == 0 and "All 2 row(s) are valid" in result.output and _posts() == 1
