"""Graph error classification (every code in PLATFORMS.md §1–2), usage headers, token redaction."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from adapters.base import AuthExpired, OutcomeUnknown, Permanent, RateLimited, Transient
from adapters.graph import GraphClient, HeldForReview, classify_graph_error, parse_usage, redact

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BASE = "https://graph.test"


def _body(code: int, subcode: int | None = None, **extra) -> dict:
    error = {"message": f"error {code}", "type": "OAuthException", "code": code, "fbtrace_id": "x", **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize(("code", "subcode", "expected"), [
    (1, None, Transient), (2, None, Transient), (3, None, Permanent),
    (4, None, RateLimited), (17, None, RateLimited), (32, None, RateLimited), (613, None, RateLimited),
    (341, None, RateLimited), (80001, None, RateLimited), (80002, None, RateLimited),
    (10, None, AuthExpired), (200, None, AuthExpired), (230, None, AuthExpired), (299, None, AuthExpired),
    (190, None, AuthExpired), (190, 458, AuthExpired), (190, 459, AuthExpired), (190, 460, AuthExpired),
    (190, 463, AuthExpired), (190, 467, AuthExpired), (102, None, AuthExpired),
    (368, None, HeldForReview), (506, None, Permanent), (1609005, None, Permanent), (100, None, Permanent),
    (9, 2207042, RateLimited), (24, 2207008, Transient), (25, 2207050, AuthExpired), (4, 2207051, Permanent),
    (9004, 2207052, Permanent), (9007, 2207027, Transient), (-2, 2207003, Transient), (-2, 2207020, Transient),
    (36000, 2207004, Permanent), (36003, 2207009, Permanent), (352, 2207026, Permanent),
    (100, 2207028, Permanent), (100, 2207010, Permanent),
])
def test_classify_graph_error_every_documented_code(code, subcode, expected):
    error = classify_graph_error(400, _body(code, subcode), {}, NOW)
    assert type(error) is expected
    assert error.code == (f"{code}/{subcode}" if subcode else str(code))
    assert error.platform_message == f"error {code}"


def test_classify_prefers_error_user_msg_for_the_author():
    error = classify_graph_error(400, _body(36000, 2207004, error_user_msg="Gambar terlalu besar"), {}, NOW)
    assert error.platform_message == "Gambar terlalu besar"


def test_classify_rate_limit_uses_business_use_case_regain_time():
    headers = {"X-Business-Use-Case-Usage": '{"123":[{"type":"pages","call_count":100,"total_cputime":5,'
                                           '"total_time":9,"estimated_time_to_regain_access":7}],'
                                           '"456":[{"type":"instagram","call_count":50,'
                                           '"estimated_time_to_regain_access":3}]}'}
    error = classify_graph_error(400, _body(4), headers, NOW)
    assert isinstance(error, RateLimited)
    assert error.retry_at == NOW + timedelta(minutes=7)


def test_classify_rate_limit_falls_back_to_retry_after_then_default():
    assert classify_graph_error(429, {}, {"Retry-After": "30"}, NOW).retry_at == NOW + timedelta(seconds=30)
    assert classify_graph_error(400, _body(17), {}, NOW).retry_at == NOW + timedelta(minutes=15)
    assert classify_graph_error(400, _body(9, 2207042), {}, NOW).retry_at == NOW + timedelta(hours=24)


def test_classify_without_graph_body():
    assert isinstance(classify_graph_error(502, None, {}, NOW), Transient)
    assert isinstance(classify_graph_error(404, "not json", {}, NOW), Permanent)
    assert isinstance(classify_graph_error(500, _body(99999), {}, NOW), Transient)
    assert isinstance(classify_graph_error(400, _body(99999, is_transient=True), {}, NOW), Transient)


def test_parse_usage_app_and_business_headers():
    usage = parse_usage(httpx.Headers({
        "x-app-usage": '{"call_count":28,"total_time":25,"total_cputime":91}',
        "x-business-use-case-usage": '{"1":[{"type":"pages","call_count":12,"total_cputime":3,"total_time":4,'
                                     '"estimated_time_to_regain_access":0}]}'}))
    assert usage.app == {"call_count": 28, "total_time": 25, "total_cputime": 91}
    assert usage.highest_percent == 91
    assert usage.regain_access_minutes == 0
    assert parse_usage({"X-App-Usage": "{broken"}).app == {}


def test_redact_hides_tokens_secrets_and_codes():
    line = ("GET https://g/v25.0/debug_token?input_token=EAAB123&access_token=1|s3cret&code=abc&x=1 "
            "Authorization: Bearer EAAXYZ")
    cleaned = redact(line)
    for secret in ("EAAB123", "1|s3cret", "abc&", "EAAXYZ"):
        assert secret not in cleaned
    assert "x=1" in cleaned


@respx.mock
def test_client_sends_token_in_header_and_never_logs_it(caplog):
    route = respx.get(f"{BASE}/v25.0/debug_token").mock(return_value=httpx.Response(200, json={"data": {}}))
    client = GraphClient({"graph_url": BASE, "api_version": "v25.0"})
    with caplog.at_level(logging.DEBUG):
        client.request("GET", "debug_token", token="PAGE-TOKEN-SECRET", params={"input_token": "INPUT-SECRET"})
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer PAGE-TOKEN-SECRET"
    assert "access_token" not in str(request.url)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "graph request GET" in logged and "HTTP Request" in logged  # our hook and httpx both logged
    assert "PAGE-TOKEN-SECRET" not in logged and "INPUT-SECRET" not in logged


@respx.mock
def test_client_records_usage_and_raises_typed_errors():
    respx.get(f"{BASE}/v25.0/me").mock(return_value=httpx.Response(
        400, json=_body(190, 460), headers={"X-App-Usage": '{"call_count":5}'}))
    client = GraphClient({"graph_url": BASE})
    with pytest.raises(AuthExpired):
        client.request("GET", "me", token="t")
    assert client.last_usage.app == {"call_count": 5}


@respx.mock
def test_client_timeouts_are_transient_or_outcome_unknown_when_publishing():
    respx.post(f"{BASE}/v25.0/1/media_publish").mock(side_effect=httpx.ReadTimeout("slow"))
    respx.get(f"{BASE}/v25.0/1").mock(side_effect=httpx.ReadTimeout("slow"))
    respx.post(f"{BASE}/v25.0/2/feed").mock(side_effect=httpx.ConnectError("down"))
    client = GraphClient({"graph_url": BASE})
    with pytest.raises(OutcomeUnknown):
        client.request("POST", "1/media_publish", token="t", publishing=True)
    with pytest.raises(Transient):
        client.request("GET", "1", token="t")
    with pytest.raises(Transient):
        client.request("POST", "2/feed", token="t", publishing=True)


def test_client_takes_base_url_version_and_timeout_from_settings():
    client = GraphClient({"graph_url": "http://sim/graph.facebook.com/", "video_url": "http://sim/video",
                          "api_version": "v26.0", "timeout": 7})
    assert client.url("1/media") == "http://sim/graph.facebook.com/v26.0/1/media"
    assert client.url("2/videos", video=True) == "http://sim/video/v26.0/2/videos"
    assert client._http.timeout.read == 7
