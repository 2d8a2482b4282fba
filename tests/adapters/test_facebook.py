"""Facebook Pages adapter and the shared Meta OAuth/facts code: exact requests per endpoint (respx)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from adapters.base import AccountRef, AuthExpired, Permanent, RateLimited, TokenSet, Transient
from adapters.facebook import FacebookPageAdapter
from adapters.graph import HeldForReview
from adapters.instagram import InstagramAdapter
from tests.adapters.graph_fixtures import PAGE, SETTINGS, TOKEN, VIDEO, V, collab, form, image, job, video


@pytest.fixture
def adapter() -> FacebookPageAdapter:
    return FacebookPageAdapter(SETTINGS)


@respx.mock
def test_publish_text_with_link(adapter):
    feed = respx.post(f"{V}/{PAGE}/feed").mock(return_value=httpx.Response(200, json={"id": f"{PAGE}_1"}))
    respx.get(f"{V}/{PAGE}_1").mock(return_value=httpx.Response(200, json={"permalink_url": "https://fb/p/1"}))
    result = adapter.publish(job(PAGE, text="Info jalan", options={"link": "https://balikpapan.go.id"}))
    assert form(feed.calls.last.request) == {"message": "Info jalan", "link": "https://balikpapan.go.id"}
    assert feed.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert (result.remote_id, result.permalink, result.details["kind"]) == (f"{PAGE}_1", "https://fb/p/1", "link")


@pytest.mark.parametrize("failure", [httpx.Response(500, json={"error": {"code": 2, "message": "x"}}),
                                     httpx.ConnectTimeout("slow")])
@respx.mock
def test_post_that_went_out_is_reported_even_when_its_permalink_cannot_be_read(adapter, failure):
    """An error after the post exists must not look like "not published" (the pipeline would post twice)."""
    feed = respx.post(f"{V}/{PAGE}/feed").mock(return_value=httpx.Response(200, json={"id": f"{PAGE}_9"}))
    respx.get(f"{V}/{PAGE}_9").mock(side_effect=[failure])
    result = adapter.publish(job(PAGE, text="Info jalan"))
    assert feed.call_count == 1
    assert (result.remote_id, result.permalink) == (f"{PAGE}_9", None)


@respx.mock
def test_publish_photo_with_branded_content(adapter):
    photos = respx.post(f"{V}/{PAGE}/photos").mock(
        return_value=httpx.Response(200, json={"id": "ph1", "post_id": f"{PAGE}_2"}))
    respx.get(f"{V}/{PAGE}_2").mock(return_value=httpx.Response(200, json={"permalink_url": "u"}))
    result = adapter.publish(job(PAGE, media=[image(alt_text="Foto")],
                                 collaborations=[collab("Brand", paid=True, platform_user_id="999")]))
    assert form(photos.calls.last.request) == {"url": "https://warta.test/public/media/1/sig", "message":
                                               "Halo Balikpapan #BalikpapanSehat", "alt_text_custom": "Foto",
                                               "sponsor_id": "999"}
    assert result.remote_id == f"{PAGE}_2"


@respx.mock
def test_publish_multi_photo_through_unpublished_photos(adapter):
    photos = respx.post(f"{V}/{PAGE}/photos").mock(side_effect=[
        httpx.Response(200, json={"id": "a"}), httpx.Response(200, json={"id": "b"})])
    feed = respx.post(f"{V}/{PAGE}/feed").mock(return_value=httpx.Response(200, json={"id": f"{PAGE}_3"}))
    respx.get(f"{V}/{PAGE}_3").mock(return_value=httpx.Response(200, json={"permalink_url": "u"}))
    adapter.publish(job(PAGE, media=[image(), image(url="https://warta.test/2")]))
    assert [form(c.request) for c in photos.calls] == [
        {"url": "https://warta.test/public/media/1/sig", "published": "false"},
        {"url": "https://warta.test/2", "published": "false"}]
    assert form(feed.calls.last.request) == {"message": "Halo Balikpapan #BalikpapanSehat",
                                             "attached_media": '[{"media_fbid":"a"},{"media_fbid":"b"}]'}


@respx.mock
def test_publish_video_on_the_video_host_with_native_schedule(adapter):
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    videos = respx.post(f"{VIDEO}/v25.0/{PAGE}/videos").mock(return_value=httpx.Response(200, json={"id": "v1"}))
    result = adapter.publish(job(PAGE, media=[video()], options={"native_schedule": True}, scheduled_at=when))
    assert form(videos.calls.last.request) == {"file_url": "https://warta.test/public/media/2/sig",
                                               "description": "Halo Balikpapan #BalikpapanSehat",
                                               "published": "false",
                                               "scheduled_publish_time": str(int(when.timestamp()))}
    assert result.details == {"kind": "video", "native_scheduled": True}


@respx.mock
def test_native_schedule_too_close_publishes_now_and_cancel_update(adapter):
    feed = respx.post(f"{V}/{PAGE}/feed").mock(return_value=httpx.Response(200, json={"id": f"{PAGE}_4"}))
    respx.get(f"{V}/{PAGE}_4").mock(return_value=httpx.Response(200, json={}))
    adapter.publish(job(PAGE, options={"native_schedule": True}, scheduled_at=datetime.now(UTC)))
    assert "published" not in form(feed.calls.last.request)
    delete = respx.delete(f"{V}/{PAGE}_4").mock(return_value=httpx.Response(200, json={"success": True}))
    update = respx.post(f"{V}/{PAGE}_4").mock(return_value=httpx.Response(200, json={"success": True}))
    target = job(PAGE, text="Baru", scheduled_at=datetime(2026, 12, 1, tzinfo=UTC))
    adapter.update_native_schedule(target, f"{PAGE}_4")
    adapter.cancel_native_schedule(target.account, f"{PAGE}_4")
    assert form(update.calls.last.request) == {"message": "Baru", "scheduled_publish_time": "1796083200"}
    assert delete.called


@pytest.mark.parametrize(("code", "error"), [(506, Permanent), (368, HeldForReview), (32, RateLimited),
                                             (190, AuthExpired), (200, AuthExpired), (1609005, Permanent)])
@respx.mock
def test_publish_maps_page_errors(adapter, code, error):
    respx.post(f"{V}/{PAGE}/feed").mock(return_value=httpx.Response(400, json={"error": {
        "message": "no", "type": "OAuthException", "code": code, "fbtrace_id": "A"}}))
    with pytest.raises(error):
        adapter.publish(job(PAGE))


@respx.mock
def test_find_published_looks_in_published_and_scheduled_posts(adapter):
    published = respx.get(f"{V}/{PAGE}/published_posts").mock(return_value=httpx.Response(200, json={"data": []}))
    scheduled = respx.get(f"{V}/{PAGE}/scheduled_posts").mock(return_value=httpx.Response(200, json={"data": [
        {"id": f"{PAGE}_9", "message": "Halo Balikpapan #BalikpapanSehat"}]}))
    found = adapter.find_published(job(PAGE, options={"native_schedule": True}))
    assert found.remote_id == f"{PAGE}_9"
    assert dict(published.calls.last.request.url.params) == {"fields": "id,message,created_time,permalink_url",
                                                            "limit": "25"}
    assert scheduled.called
    assert adapter.find_published(job(PAGE)) is None


def test_validate_facebook_rules(adapter):
    assert [p.code for p in adapter.validate(job(PAGE, text="").variant)] == ["empty"]
    codes = [p.code for p in adapter.validate(job(PAGE, media=[video(), image(content_type="image/bmp")]).variant)]
    assert codes == ["video_alone", "image_format"]
    assert adapter.validate(job(PAGE, text="x" * 63207).variant)[0].code == "text_too_long"
    assert adapter.validate(job(PAGE, text="", media=[image()], collaborations=[
        collab("b", paid=True, platform_user_id="1")]).variant)[0].code == "branded_needs_text"


# -- OAuth and facts (shared Meta code) ----------------------------------------------------


def test_authorize_url_has_client_state_scopes_and_pkce(adapter):
    url = adapter.authorize_url("st4te", "https://warta.test/connect/facebook/callback", "chal")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.test/v25.0/dialog/oauth"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_id"] == "42" and query["state"] == "st4te" and query["response_type"] == "code"
    assert query["code_challenge"] == "chal" and query["code_challenge_method"] == "S256"
    assert {"pages_manage_posts", "instagram_content_publish", "business_management"} <= set(query["scope"].split(","))


@respx.mock
def test_exchange_code_returns_pages_and_linked_instagram_accounts(adapter):
    token_route = respx.get(f"{V}/oauth/access_token").mock(side_effect=[
        httpx.Response(200, json={"access_token": "short", "token_type": "bearer", "expires_in": 3600}),
        httpx.Response(200, json={"access_token": "long", "token_type": "bearer", "expires_in": 5183944})])
    debug = respx.get(f"{V}/debug_token").mock(return_value=httpx.Response(200, json={"data": {
        "is_valid": True, "scopes": ["pages_manage_posts", "instagram_content_publish"], "expires_at": 1900000000,
        "data_access_expires_at": 1800000000, "type": "USER"}}))
    accounts = respx.get(f"{V}/me/accounts").mock(return_value=httpx.Response(200, json={"data": [
        {"id": PAGE, "name": "Diskominfo", "access_token": "page-tok", "tasks": ["MANAGE"],
         "verification_status": "blue_verified",
         "instagram_business_account": {"id": "1784", "username": "diskominfobpp", "name": "Diskominfo"}},
        {"id": "301", "name": "Tanpa IG", "access_token": "page-tok-2", "tasks": ["CREATE_CONTENT"]}]}))
    found = adapter.exchange_code("the-code", "https://warta.test/cb", "verifier")
    first, second = (dict(c.request.url.params) for c in token_route.calls)
    assert first == {"client_id": "42", "client_secret": "app-secret", "redirect_uri": "https://warta.test/cb",
                     "code": "the-code", "code_verifier": "verifier"}
    assert second == {"grant_type": "fb_exchange_token", "client_id": "42", "client_secret": "app-secret",
                      "fb_exchange_token": "short"}
    assert debug.calls.last.request.headers["Authorization"] == "Bearer 42|app-secret"
    assert dict(debug.calls.last.request.url.params) == {"input_token": "long"}
    assert accounts.calls.last.request.headers["Authorization"] == "Bearer long"
    assert [(a.platform, a.external_id, a.handle) for a in found] == [
        ("facebook", PAGE, "Diskominfo"), ("instagram", "1784", "diskominfobpp"), ("facebook", "301", "Tanpa IG")]
    assert found[1].tokens.access_token == "page-tok" and found[1].tokens.extra["page_id"] == PAGE
    assert found[0].tokens.extra["user_access_token"] == "long"
    assert found[0].facts["verified"] is True and found[0].facts["data_access_expires_at"].startswith("2027-01-15")


@respx.mock
def test_account_facts_reads_debug_token_profile_business_2fa_and_page_roles():
    adapter = InstagramAdapter(SETTINGS)
    respx.get(f"{V}/debug_token").mock(return_value=httpx.Response(200, json={"data": {
        "is_valid": True, "scopes": ["instagram_basic", "business_management"], "expires_at": 0, "type": "PAGE"}}))
    profile = respx.get(f"{V}/1784").mock(return_value=httpx.Response(200, json={
        "id": "1784", "username": "diskominfobpp", "name": "Diskominfo", "profile_picture_url": "https://pic",
        "biography": "Akun resmi"}))
    respx.get(f"{V}/me/businesses").mock(return_value=httpx.Response(200, json={"data": [{"id": "b1", "name": "B"}]}))
    business = respx.get(f"{V}/b1").mock(return_value=httpx.Response(200, json={"two_factor_type": "all_required"}))
    roles = respx.get(f"{V}/{PAGE}/assigned_users").mock(return_value=httpx.Response(200, json={"data": [
        {"id": "u1", "name": "Admin", "tasks": ["MANAGE", "CREATE_CONTENT"]}]}))
    account = AccountRef(1, "1784", "diskominfobpp", credentials={
        "access_token": "page-tok", "extra": {"page_id": PAGE, "user_access_token": "user-tok"}})
    facts = adapter.account_facts(account)
    assert facts.token_valid and facts.expires_at is None
    assert facts.profile == {"handle": "diskominfobpp", "display_name": "Diskominfo", "avatar_url": "https://pic",
                             "bio": "Akun resmi", "verified": None}
    assert dict(profile.calls.last.request.url.params) == {"fields": "id,username,name,biography,profile_picture_url"}
    assert dict(business.calls.last.request.url.params) == {"fields": "two_factor_type"}
    assert business.calls.last.request.headers["Authorization"] == "Bearer user-tok"
    assert facts.extra["businesses"] == [{"id": "b1", "name": "B", "two_factor_type": "all_required"}]
    assert facts.extra["page_roles"] == [{"id": "u1", "name": "Admin", "tasks": ["MANAGE", "CREATE_CONTENT"]}]
    assert facts.extra["business_two_factor_type"] == "all_required"
    assert facts.extra["page_tasks"] == ["u1:CREATE_CONTENT", "u1:MANAGE"]
    assert dict(roles.calls.last.request.url.params) == {"fields": "id,name,tasks"}


@respx.mock
def test_refresh_credentials_renews_user_token_or_reports_dead_page_token(adapter):
    debug = respx.get(f"{V}/debug_token").mock(return_value=httpx.Response(200, json={"data": {
        "is_valid": True, "scopes": ["pages_manage_posts"], "expires_at": 0}}))
    respx.get(f"{V}/oauth/access_token").mock(return_value=httpx.Response(200, json={
        "access_token": "long-2", "expires_in": 5184000}))
    fresh = adapter.refresh_credentials(TokenSet("page-tok", extra={"user_access_token": "long-1"}))
    assert fresh.access_token == "page-tok" and fresh.extra["user_access_token"] == "long-2"
    assert fresh.scopes == ("pages_manage_posts",)
    debug.mock(return_value=httpx.Response(200, json={"data": {"is_valid": False, "scopes": []}}))
    with pytest.raises(AuthExpired):
        adapter.refresh_credentials(TokenSet("page-tok"))


@respx.mock
def test_native_schedule_status_reads_is_published_and_a_reels_publishing_phase(adapter):
    account = job(PAGE).account
    post = respx.get(f"{V}/{PAGE}_5").mock(side_effect=[
        httpx.Response(200, json={"id": f"{PAGE}_5", "is_published": False}),
        httpx.Response(200, json={"id": f"{PAGE}_5", "is_published": True, "permalink_url": "https://fb/p/5"})])
    assert adapter.native_schedule_status(account, f"{PAGE}_5") is None
    assert adapter.native_schedule_status(account, f"{PAGE}_5").permalink == "https://fb/p/5"
    assert parse_qs(urlsplit(str(post.calls.last.request.url)).query)["fields"] == ["id,is_published,permalink_url"]
    respx.get(f"{V}/77").mock(return_value=httpx.Response(200, json={
        "id": "77", "permalink_url": "/reel/77", "status": {"publishing_phase": {"publish_status": "published"}}}))
    assert adapter.native_schedule_status(account, "77").permalink == "https://www.facebook.com/reel/77"


@pytest.mark.parametrize(("error", "gone"), [({"code": 100, "error_subcode": 33, "message": "does not exist"}, True),
                                             ({"code": 100, "message": "(#100) Tried accessing nonexisting field"},
                                              False)])
@respx.mock
def test_native_schedule_status_gone_only_for_a_missing_object(adapter, error, gone):
    respx.get(f"{V}/{PAGE}_6").mock(return_value=httpx.Response(400, json={"error": error}))
    with pytest.raises(Permanent) as raised:
        adapter.native_schedule_status(job(PAGE).account, f"{PAGE}_6")
    assert (raised.value.code == "native_gone") is gone


@respx.mock
def test_native_schedule_just_before_its_time_is_refused_never_published_early(adapter):
    feed = respx.post(f"{V}/{PAGE}/feed").mock(return_value=httpx.Response(200, json={"id": f"{PAGE}_8"}))
    with pytest.raises(Transient) as refused:
        adapter.publish(job(PAGE, options={"native_schedule": True},
                            scheduled_at=datetime.now(UTC) + timedelta(minutes=5)))
    assert refused.value.code == "native_too_close" and not feed.called
