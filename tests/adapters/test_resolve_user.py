"""`resolve_user` and `collaborator_statuses` per adapter: exact requests, not-found shapes, error mapping."""
from __future__ import annotations

import json

import httpx
import pytest
import respx
from googleapiclient.http import HttpMockSequence

from adapters.base import AccountRef, AuthExpired, Permanent, RateLimited, ResolvedUser
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter
from adapters.tiktok import TikTokAdapter
from adapters.x import XAdapter
from adapters.youtube import YouTubeAdapter
from tests.adapters.graph_fixtures import IG_USER, SETTINGS, TOKEN, V

X_API = "https://x.test"
YT_ROOT = "http://yt.test/"
X_NOT_FOUND = {"errors": [{"value": "nobody_here", "detail": "Could not find user with username: [nobody_here].",
                           "title": "Not Found Error", "resource_type": "user", "parameter": "username",
                           "resource_id": "nobody_here",
                           "type": "https://api.twitter.com/2/problems/resource-not-found"}]}


def _ref(external_id: str = "42", token: str = "AT") -> AccountRef:  # noqa: S107 (a test token)
    return AccountRef(1, external_id, "@dinas", {"access_token": token})


# -- X ---------------------------------------------------------------------------------------------

@respx.mock(base_url=X_API, assert_all_called=True)
def test_x_resolves_username_to_id(respx_mock):
    route = respx_mock.get("/2/users/by/username/Rina_Jalan").mock(return_value=httpx.Response(
        200, json={"data": {"id": "2244994945", "name": "Rina", "username": "Rina_Jalan"}}))
    found = XAdapter({"api_url": X_API}).resolve_user(_ref(), "@Rina_Jalan")
    assert found == ResolvedUser(user_id="2244994945", username="Rina_Jalan", display_name="Rina")
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == "Bearer AT"
    assert dict(sent.url.params) == {"user.fields": "name,username"}


@respx.mock(base_url=X_API)
def test_x_not_found_is_a_200_with_errors_and_gives_none(respx_mock):
    respx_mock.get("/2/users/by/username/nobody_here").mock(return_value=httpx.Response(200, json=X_NOT_FOUND))
    assert XAdapter({"api_url": X_API}).resolve_user(_ref(), "nobody_here") is None


@respx.mock(base_url=X_API)
def test_x_other_errors_are_raised_typed(respx_mock):
    route = respx_mock.get("/2/users/by/username/rina")
    route.mock(return_value=httpx.Response(401, json={"title": "Unauthorized", "detail": "Unauthorized"}))
    with pytest.raises(AuthExpired):
        XAdapter({"api_url": X_API}).resolve_user(_ref(), "rina")
    route.mock(return_value=httpx.Response(200, json={"errors": [{
        "title": "Forbidden", "detail": "User has been suspended: [rina].",
        "type": "https://api.twitter.com/2/problems/resource-not-found"}, {
        "title": "Authorization Error", "detail": "not authorized",
        "type": "https://api.twitter.com/2/problems/not-authorized-for-resource"}]}))
    with pytest.raises(Permanent) as error:
        XAdapter({"api_url": X_API}).resolve_user(_ref(), "rina")
    assert error.value.code == "errors"


# -- YouTube ------------------------------------------------------------------------------------------

def _youtube(responses) -> tuple[YouTubeAdapter, HttpMockSequence]:
    seq = HttpMockSequence(responses)
    return YouTubeAdapter({"api_url": YT_ROOT}, http=seq), seq


def test_youtube_resolves_handle_with_channels_list_for_handle():
    adapter, seq = _youtube([({"status": "200"}, json.dumps({
        "kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
        "items": [{"kind": "youtube#channel", "id": "UCabc", "snippet": {"title": "Rina", "customUrl": "@rina"}}]}))])
    found = adapter.resolve_user(_ref("UC1"), "rina")
    assert found == ResolvedUser(user_id="UCabc", username="@rina", display_name="Rina")
    [(uri, method, _body, _headers)] = seq.request_sequence
    assert method == "GET" and uri.startswith(f"{YT_ROOT}youtube/v3/channels?")
    query = httpx.URL(uri).params
    assert query["forHandle"] == "@rina" and query["part"] == "id,snippet" and "mine" not in query


def test_youtube_no_items_means_not_found():
    adapter, _seq = _youtube([({"status": "200"}, json.dumps({
        "kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0, "resultsPerPage": 5}}))])
    assert adapter.resolve_user(_ref("UC1"), "@nobody") is None


def test_youtube_quota_error_is_rate_limited():
    body = {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded", "message": "quota"}]}}
    adapter, _seq = _youtube([({"status": "403"}, json.dumps(body))])
    with pytest.raises(RateLimited):
        adapter.resolve_user(_ref("UC1"), "rina")


# -- Instagram ------------------------------------------------------------------------------------------

@respx.mock
def test_instagram_business_discovery_request_and_answer():
    route = respx.get(f"{V}/{IG_USER}").mock(return_value=httpx.Response(200, json={
        "business_discovery": {"id": "17841405309211844", "username": "rina.jalan", "name": "Rina"}, "id": IG_USER}))
    found = InstagramAdapter(SETTINGS).resolve_user(_ref(IG_USER, TOKEN), "@rina.jalan")
    assert found == ResolvedUser(user_id="17841405309211844", username="rina.jalan", display_name="Rina")
    sent = route.calls.last.request
    assert dict(sent.url.params) == {"fields": "business_discovery.username(rina.jalan){id,username,name}"}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"


@respx.mock
def test_instagram_cannot_find_user_gives_none_other_errors_raise():
    route = respx.get(f"{V}/{IG_USER}")
    route.mock(return_value=httpx.Response(400, json={"error": {
        "message": "Invalid user id", "type": "OAuthException", "code": 110, "error_subcode": 2207013,
        "error_user_title": "Cannot find User", "error_user_msg": "The user with username: budi cannot be found."}}))
    assert InstagramAdapter(SETTINGS).resolve_user(_ref(IG_USER, TOKEN), "budi") is None
    route.mock(return_value=httpx.Response(400, json={"error": {
        "message": "Invalid OAuth access token", "type": "OAuthException", "code": 190}}))
    with pytest.raises(AuthExpired):
        InstagramAdapter(SETTINGS).resolve_user(_ref(IG_USER, TOKEN), "budi")


@respx.mock
def test_instagram_collaborator_statuses():
    route = respx.get(f"{V}/m1/collaborators").mock(return_value=httpx.Response(200, json={"data": [
        {"id": "1", "username": "Rina.Jalan", "invite_status": "Accepted"},
        {"id": "2", "username": "kuliner.bpp", "invite_status": "Pending"}]}))
    statuses = InstagramAdapter(SETTINGS).collaborator_statuses(_ref(IG_USER, TOKEN), "m1")
    assert statuses == {"rina.jalan": "accepted", "kuliner.bpp": "pending"}
    assert dict(route.calls.last.request.url.params) == {"fields": "id,username,invite_status"}


# -- platforms without a lookup ----------------------------------------------------------------------------

@pytest.mark.parametrize("adapter", [TikTokAdapter(), FacebookPageAdapter(SETTINGS)])
def test_platforms_without_lookup_say_so(adapter):
    assert adapter.supports_user_lookup is False and adapter.supports_collaborator_status is False
    with pytest.raises(Permanent) as error:
        adapter.resolve_user(_ref(), "someone")
    assert error.value.code == "unsupported"


def test_lookup_flags_of_the_platforms_that_have_one():
    assert all(cls.supports_user_lookup for cls in (XAdapter, YouTubeAdapter, InstagramAdapter))
    assert InstagramAdapter.supports_collaborator_status and not XAdapter.supports_collaborator_status
