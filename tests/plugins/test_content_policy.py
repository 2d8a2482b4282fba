"""The built-in content policy: inheritance, every rule, messages in the author's language, settings page."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

import plugins
from app.extensions import db
from app.models import (
    Agreement,
    AuditEvent,
    CollaborationKind,
    Influencer,
    Media,
    PostCollaboration,
    PostMedia,
    PostTarget,
    Role,
)
from plugins.builtin.content_policy import effective_policy, requires_extra_approval
from tests.factories import sign_in


@pytest.fixture
def tree(factory):
    root = factory.org("Pemkot Balikpapan", content_policy={
        "banned": [{"phrase": "hoaks", "reason": "Gunakan bahasa yang netral."}],
        "max_hashtags": 3, "sensitive_words": ["banjir"], "link_block": ["judi.example"]})
    child = factory.org("Dinas Kesehatan", parent=root, content_policy={
        "max_hashtags": 5, "required_hashtags": {"instagram": ["#DinkesBpn"], "*": ["#Balikpapan"]}})
    author = factory.user(child, Role.ADMIN)
    return root, child, author


def _post(factory, org, author, body, *platforms):
    post = factory.post(org, author, body=body)
    accounts = [factory.account(org, platform) for platform in platforms]
    db.session.add_all(PostTarget(post_id=post.id, account_id=a.id) for a in accounts)
    db.session.commit()
    db.session.refresh(post)
    return post


def test_rules_are_inherited_and_overridden_rule_by_rule(app, tree):
    root, child, _author = tree
    policy = effective_policy(child)
    assert policy.max_hashtags == 5 and policy.origin["max_hashtags"] == child.id
    assert policy.banned[0]["phrase"] == "hoaks" and policy.origin["banned"] == root.id
    assert effective_policy(root).required_hashtags == {}


def test_banned_phrase_with_reason_whole_words_only(app, factory, tree):
    _root, child, author = tree
    post = _post(factory, child, author, "Ini HOAKS! #Balikpapan")
    assert plugins.post_problems(post) == ["“hoaks” tidak boleh digunakan: Gunakan bahasa yang netral."]
    assert plugins.post_problems(_post(factory, child, author, "hoaksbuster #Balikpapan")) == []


def test_messages_follow_the_authors_language(app, factory, tree):
    _root, child, author = tree
    author.locale = "en"
    db.session.commit()
    post = _post(factory, child, author, "hoaks #Balikpapan")
    assert plugins.post_problems(post) == ["“hoaks” may not be used: Gunakan bahasa yang netral."]


def test_required_hashtags_per_platform_and_sign_off(app, factory, tree):
    root, child, author = tree
    post = _post(factory, child, author, "Vaksinasi gratis #Balikpapan", "instagram", "x")
    assert [(i.platform, i.message) for i in plugins.post_issues(post)] == [
        ("instagram", "Tambahkan tagar wajib: #DinkesBpn")]
    root.settings = {**root.settings, "content_policy": {**root.settings["content_policy"],
                                                         "sign_off": {"x": "— Humas"}}}
    db.session.commit()
    assert ("x", "Akhiri teks dengan “— Humas”.") in [(i.platform, i.message) for i in plugins.post_issues(post)]


def test_links_block_and_allow_lists(app, factory, tree):
    root, child, author = tree
    post = _post(factory, child, author, "Lihat https://www.judi.example/x dan https://dinkes.go.id #Balikpapan")
    assert plugins.post_problems(post) == ["Tautan ke www.judi.example tidak diizinkan."]
    root.settings = {**root.settings, "content_policy": {**root.settings["content_policy"],
                                                         "link_allow": ["balikpapan.go.id"], "link_block": []}}
    db.session.commit()
    assert plugins.post_problems(post) == [
        "Tautan ke www.judi.example tidak ada dalam daftar situs yang diizinkan.",
        "Tautan ke dinkes.go.id tidak ada dalam daftar situs yang diizinkan."]
    ok = _post(factory, child, author, "https://dinkes.balikpapan.go.id/info #Balikpapan")
    assert plugins.post_problems(ok) == []


def test_alt_text_and_maximum_hashtags(app, factory, tree):
    _root, child, author = tree
    child.settings = {"content_policy": {**child.settings["content_policy"], "alt_text_required": True}}
    db.session.commit()
    post = _post(factory, child, author, "#Balikpapan #a #b #c #d #e")
    for n, alt in enumerate(["", "Petugas menyuntik warga"]):
        media = Media(organisation_id=child.id, uploaded_by_id=author.id, filename=f"{n}.jpg",
                      content_type="image/jpeg", size_bytes=1, sha256="0" * 64, storage_key=f"k{n}-{post.id}",
                      alt_text=alt)
        db.session.add(media)
        db.session.flush()
        db.session.add(PostMedia(post_id=post.id, media_id=media.id, position=n))
    db.session.commit()
    db.session.refresh(post)
    assert plugins.post_problems(post) == [
        "1 gambar belum memiliki teks alternatif (deskripsi untuk pembaca tunanetra).",
        "Gunakan paling banyak 5 tagar."]


def test_disclosure_wording_for_paid_collaborations(app, factory, tree):
    _root, child, author = tree
    child.settings = {"content_policy": {**child.settings["content_policy"], "disclosure_text": "#KerjaSamaBerbayar"}}
    db.session.commit()
    post = _post(factory, child, author, "Ayo vaksin #Balikpapan")
    assert plugins.post_problems(post) == []  # no paid partner
    influencer = Influencer(organisation_id=child.id, name="Rina")
    db.session.add_all([influencer, Agreement(organisation_id=child.id, influencer=influencer, paid=True,
                                              starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))])
    db.session.flush()
    db.session.add(PostCollaboration(organisation_id=child.id, post_id=post.id, influencer_id=influencer.id,
                                     kind=CollaborationKind.PAID_PARTNERSHIP))
    db.session.commit()
    assert plugins.post_problems(post) == [
        "Ini kolaborasi berbayar: teks harus memuat “#KerjaSamaBerbayar”."]


def test_sensitive_topic_requires_a_second_approval_without_blocking(app, factory, tree):
    _root, child, author = tree
    post = _post(factory, child, author, "Info banjir di Sepinggan #Balikpapan")
    assert requires_extra_approval(post) is True
    assert plugins.post_problems(post) == []
    assert [i.code for i in plugins.post_issues(post)] == ["sensitive"]
    assert requires_extra_approval(_post(factory, child, author, "Cuaca cerah #Balikpapan")) is False


def test_settings_page_saves_audits_and_refuses_bad_input(app, factory, client, tree):
    root, child, _author = tree
    sign_in(client, factory.user(root, Role.ADMIN))
    page = client.get(f"/policy/{child.id}").get_data(as_text=True)
    assert "hoaks" in page  # inherited rules are shown
    bad = client.post(f"/policy/{child.id}", data={"banned": "no reason separator", "max_hashtags": "many"})
    assert bad.status_code == 400
    assert "Tulis setiap baris" in bad.get_data(as_text=True)
    assert effective_policy(child).max_hashtags == 5  # nothing written
    response = client.post(f"/policy/{child.id}", data={
        "banned": "kafir | Ujaran SARA.", "required_hashtags": "*: #Sehat", "alt_text_required": "yes",
        "max_hashtags": "2", "link_allow": "Balikpapan.go.id"})
    assert response.status_code == 302
    db.session.expire_all()
    policy = effective_policy(child)
    assert policy.banned == [{"phrase": "kafir", "reason": "Ujaran SARA."}]
    assert (policy.required_hashtags, policy.alt_text_required, policy.max_hashtags, policy.link_allow) == (
        {"*": ["#Sehat"]}, True, 2, ["balikpapan.go.id"])
    assert policy.sensitive_words == ["banjir"]  # still inherited
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.content_policy_changed"))
    assert [e.object_id for e in events] == [str(child.id)]


def test_settings_page_is_for_admins_of_the_organisation(app, factory, client, tree):
    _root, child, _author = tree
    sign_in(client, factory.user(child, Role.REVIEWER))
    assert client.get(f"/policy/{child.id}").status_code == 403
    sign_in(client, factory.user(factory.org("Pemkab Kutai"), Role.ADMIN))
    assert client.get(f"/policy/{child.id}").status_code == 404
