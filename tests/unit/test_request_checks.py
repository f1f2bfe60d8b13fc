"""What a request body must be before a route sees it (cms.api.requests)."""

from __future__ import annotations

import base64
import json

import pytest

from cms.api.requests import BodyNotJson, normalise_request, parse_json_body
from cms.domain.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

LIMIT = 1024


def event(body: bytes | str | None, content_type: str | None = "application/json") -> dict:
    encoded = isinstance(body, bytes)
    headers = {} if content_type is None else {"Content-Type": content_type}
    return {"body": base64.b64encode(body).decode() if encoded else body,
            "isBase64Encoded": encoded, "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()}}


@pytest.mark.parametrize("content_type", [
    "application/json", "Application/JSON", "application/json; charset=utf-8",
    'APPLICATION/JSON;Charset="UTF-8"'])
def test_json_in_any_spelling_is_taken_and_normalised(content_type):
    checked = event('{"a": 1}', content_type)
    normalise_request(checked, LIMIT)
    assert checked["headers"] == {"content-type": "application/json"}
    assert checked["multiValueHeaders"] == {"content-type": ["application/json"]}


@pytest.mark.parametrize("content_type", [
    "application/vnd.example+json", "text/plain", "application/json; charset=latin-1",
    "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded"])
def test_other_media_types_are_415(content_type):
    with pytest.raises(UnsupportedMediaType):
        normalise_request(event('{"a": 1}', content_type), LIMIT)


def test_a_body_without_a_content_type_is_read_as_json():
    checked = event('{"a": 1}', None)
    normalise_request(checked, LIMIT)
    assert checked["body"] == '{"a": 1}'


def test_bytes_that_are_not_utf8_are_400_whatever_they_claim():
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        normalise_request(event(b'{"a": "\xff\xfe"}'), LIMIT)


def test_utf8_bytes_arrive_as_text():
    checked = event('{"a": "é"}'.encode())
    normalise_request(checked, LIMIT)
    assert checked["body"] == '{"a": "é"}' and checked["isBase64Encoded"] is False


def test_too_large_is_413_before_decoding():
    with pytest.raises(PayloadTooLarge):
        normalise_request(event("x" * (LIMIT + 1)), LIMIT)
    with pytest.raises(PayloadTooLarge):
        normalise_request(event(b"x" * (LIMIT + 1)), LIMIT)


@pytest.mark.parametrize("text, reason", [
    ('{"a": ' + "9" * 5000 + "}", "digits"),
    ('{"a": 9007199254740992}', "decimal string"),
    ('{"a": 1e400}', "overflows"),
    ('{"a": 1e17}', "decimal string"),
    ('{"a": NaN}', "NaN"),
    ('{"a": 1, "a": 2}', "duplicate"),
    ("[" * 40 + "]" * 40, "nests deeper"),
    ('{"a": ', ""),
])
def test_bodies_that_are_not_i_json_are_refused_with_the_reason(text, reason):
    with pytest.raises(BodyNotJson) as refused:
        parse_json_body(text)
    assert reason in refused.value.msg
    assert isinstance(refused.value, json.JSONDecodeError)  # what the resolver reports


def test_i_json_bodies_parse():
    assert parse_json_body('{"a": [9007199254740991, -1.5, "x", null, true]}') == {
        "a": [9007199254740991, -1.5, "x", None, True]}


def test_an_integral_number_is_an_integer_however_it_is_written():
    """One number type (I-JSON, JavaScript, JSON Schema): 40443.0 is the integer 40443."""
    body = parse_json_body('{"a": 40443.0, "b": 1e3, "c": -0.0, "d": 0.5}')
    assert body == {"a": 40443, "b": 1000, "c": 0, "d": 0.5}
    assert [type(body[k]) for k in "abcd"] == [int, int, int, float]
