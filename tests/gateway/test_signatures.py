import base64
import hashlib
import hmac

import orjson
import pytest

from gateway.errors import InvalidSignature
from gateway.signatures import verify_webhook

SECRET = b"hush"
BODY = b'{"id":1,"name":"#1001","note":"caf\xc3\xa9"}'


def _sign(secret: bytes, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def test_valid_signature_passes() -> None:
    verify_webhook(secret=SECRET, body=BODY, signature=_sign(SECRET, BODY))


def test_known_vector() -> None:
    # Computed once with `openssl dgst -sha256 -hmac hush -binary | base64`.
    verify_webhook(
        secret=SECRET,
        body=b'{"id":1}',
        signature="VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=",
    )


def test_tampered_body_fails() -> None:
    with pytest.raises(InvalidSignature):
        verify_webhook(
            secret=SECRET, body=BODY.replace(b"1001", b"1002"), signature=_sign(SECRET, BODY)
        )


def test_wrong_secret_fails() -> None:
    with pytest.raises(InvalidSignature):
        verify_webhook(secret=SECRET, body=BODY, signature=_sign(b"other", BODY))


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_fails(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify_webhook(secret=SECRET, body=BODY, signature=header)


def test_signature_of_reserialized_body_fails() -> None:
    # The same JSON re-encoded (spacing, escapes) is different bytes: the raw body is signed.
    reencoded = orjson.dumps(orjson.loads(BODY), option=orjson.OPT_INDENT_2)
    assert orjson.loads(reencoded) == orjson.loads(BODY)
    with pytest.raises(InvalidSignature):
        verify_webhook(secret=SECRET, body=BODY, signature=_sign(SECRET, reencoded))


def test_non_ascii_header_fails_cleanly() -> None:
    with pytest.raises(InvalidSignature):
        verify_webhook(secret=SECRET, body=BODY, signature="é" * 44)
