"""Shopify's OAuth side: the authorization code grant, token exchange (session tokens, and the
migration of non-expiring offline tokens), refresh with rotation, and App Bridge session tokens.

Shaped on the Shopify doc pages "Implement authorization code grant manually", "Exchange a
session token for an access token", "About offline access tokens", "Migrate to expiring offline
access tokens" and the changelog entries "More resilient refreshes for expiring offline access
tokens" and "More resilient token exchanges when migrating tokens without a user session".
The tokens and codes it issues are records of `simulator/oauth_records.py`.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from simulator.oauth_records import (
    GRANT_TOKEN_EXCHANGE,
    ID_TOKEN_TYPE,
    OFFLINE_TOKEN_TYPE,
    ONLINE_TOKEN_TYPE,
    AccessToken,
    AuthCode,
    OAuthError,
    RefreshToken,
    host_param,
    query_hmac,
)
from simulator.state import Clock, shop_handle

__all__ = ["OAuthServer"]

SESSION_TOKEN_LEEWAY_S = 10
CODE_TTL_S = 60
ONLINE_TOKEN_TTL_S = 86_399
MIGRATION_RETRY_S = 7 * 86_400
_TRUE = {"1", "true"}


def _text(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class OAuthServer:
    """Codes and tokens of one app across shops; every method takes the path's shop."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        clock: Clock,
        scopes: str,
        access_token_ttl_s: int,
        refresh_token_ttl_s: int,
        refresh_retry_window_s: float,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.clock = clock
        self.scopes = scopes
        self.access_token_ttl_s = access_token_ttl_s
        self.refresh_token_ttl_s = refresh_token_ttl_s
        self.refresh_retry_window_s = refresh_retry_window_s
        self.allowed_redirect_uris: list[str] | None = None
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.token_requests: list[dict[str, Any]] = []
        self._codes: dict[str, AuthCode] = {}

    # --- authorization code grant -------------------------------------------------------------

    def check_authorize(self, *, client_id: str, redirect_uri: str) -> None:
        if client_id != self.api_key:
            raise OAuthError("invalid_request", "The client_id is invalid", status=400)
        if not redirect_uri:
            raise OAuthError("invalid_request", "The redirect_uri is missing", status=400)
        allowed = self.allowed_redirect_uris
        if allowed is not None and redirect_uri not in allowed:
            raise OAuthError("invalid_request", "The redirect_uri is not whitelisted", status=400)

    def authorize_redirect(
        self,
        shop: str,
        *,
        redirect_uri: str,
        state: str | None = None,
        scope: str | None = None,
        per_user: bool = False,
        client_id: str | None = None,
    ) -> str:
        """What the merchant's approval redirects to: ``redirect_uri`` with a fresh code."""
        self.check_authorize(client_id=client_id or self.api_key, redirect_uri=redirect_uri)
        now = self.clock()
        code = secrets.token_hex(16)
        granted = ",".join(part.strip() for part in (scope or self.scopes).split(",") if part)
        self._codes[code] = AuthCode(shop, granted, per_user, now + CODE_TTL_S)
        params = {"code": code, "host": host_param(shop), "shop": shop}
        if state is not None:
            params["state"] = state
        params["timestamp"] = str(int(now))
        signed = {**params, "hmac": query_hmac(params, self.api_secret)}
        ordered = {key: signed[key] for key in sorted(signed)}
        separator = "&" if urlsplit(redirect_uri).query else "?"
        return f"{redirect_uri}{separator}{urlencode(ordered)}"

    # --- the token endpoint -------------------------------------------------------------------

    def token(self, shop: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /admin/oauth/access_token``: the success body, or raises `OAuthError`."""
        grant_type = _text(params, "grant_type")
        grant = {GRANT_TOKEN_EXCHANGE: "token_exchange", "refresh_token": "refresh_token"}.get(
            grant_type, "authorization_code" if grant_type in ("", "authorization_code") else "?"
        )
        record: dict[str, Any] = {
            "shop": shop,
            "grant": grant,
            "grant_type": grant_type or None,
            "subject_token_type": _text(params, "subject_token_type") or None,
            "expiring": _text(params, "expiring").lower() in _TRUE,
            "at": self.clock(),
            "status": 200,
            "error": None,
        }
        self.token_requests.append(record)
        try:
            if _text(params, "client_id") != self.api_key or not hmac.compare_digest(
                _text(params, "client_secret"), self.api_secret
            ):
                raise OAuthError("invalid_client", "Client credentials are invalid")
            if grant == "authorization_code":
                return self._authorization_code(shop, params)
            if grant == "token_exchange":
                return self._token_exchange(shop, params)
            if grant == "refresh_token":
                return self._refresh(shop, params)
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type: {grant_type}")
        except OAuthError as exc:
            record["status"], record["error"] = exc.status, exc.error
            raise

    def _authorization_code(self, shop: str, params: Mapping[str, Any]) -> dict[str, Any]:
        code = self._codes.get(_text(params, "code"))
        if code is None or code.used or code.shop != shop or self.clock() >= code.expires_at:
            raise OAuthError(
                "invalid_request", "The authorization code was not found or was already used"
            )
        code.used = True
        if code.per_user:
            return self._online(shop, code.scope, user_id="1")
        return self._offline(shop, code.scope, expiring=_text(params, "expiring").lower() in _TRUE)

    def _token_exchange(self, shop: str, params: Mapping[str, Any]) -> dict[str, Any]:
        subject = _text(params, "subject_token")
        subject_type = _text(params, "subject_token_type")
        requested = _text(params, "requested_token_type")
        expiring = _text(params, "expiring").lower() in _TRUE
        if not subject:
            raise OAuthError("invalid_request", "Missing subject_token")
        if requested not in (OFFLINE_TOKEN_TYPE, ONLINE_TOKEN_TYPE):
            raise OAuthError("invalid_request", f"Invalid requested_token_type: {requested!r}")
        if subject_type == ID_TOKEN_TYPE:
            claims = self.verify_session_token(subject, shop)
            if requested == ONLINE_TOKEN_TYPE:
                return self._online(shop, self.scopes, user_id=str(claims.get("sub", "1")))
            return self._offline(shop, self.scopes, expiring=expiring)
        if subject_type == OFFLINE_TOKEN_TYPE:
            if requested != OFFLINE_TOKEN_TYPE or not expiring:
                raise OAuthError(
                    "invalid_request",
                    "Migration requires requested_token_type offline-access-token and expiring=1",
                )
            return self._migrate(shop, subject)
        raise OAuthError("invalid_request", f"Invalid subject_token_type: {subject_type!r}")

    def _migrate(self, shop: str, subject: str) -> dict[str, Any]:
        now = self.clock()
        old = self.access_tokens.get(subject)
        never_valid = (
            old is not None
            and old.migrated_to is None
            and (old.expires_at is not None or old.revoked)
        )
        if old is None or old.shop != shop or old.online or never_valid:
            raise OAuthError("invalid_subject_token", "Subject token is invalid")
        if old.migrated_to is not None:
            # A retry with the original token returns the same pair, for up to seven days and
            # until that pair has been refreshed.
            access_value, refresh_value = old.migrated_to
            refresh = self.refresh_tokens[refresh_value]
            if now - old.migrated_at > MIGRATION_RETRY_S or refresh.first_used_at is not None:
                raise OAuthError("invalid_subject_token", "Subject token is invalid")
            access = self.access_tokens[access_value]
            if access.expires_at is not None and access.expires_at - now < 60:
                access.expires_at = now + self.access_token_ttl_s
            return self._pair_body(access, refresh)
        body = self._offline(shop, old.scope, expiring=True)
        old.revoked = True
        old.migrated_to = (body["access_token"], body["refresh_token"])
        old.migrated_at = now
        return body

    def _refresh(self, shop: str, params: Mapping[str, Any]) -> dict[str, Any]:
        now = self.clock()
        value = _text(params, "refresh_token")
        if not value:
            raise OAuthError("invalid_request", "Missing refresh_token")
        refresh = self.refresh_tokens.get(value)
        if refresh is None or refresh.shop != shop or refresh.retired:
            raise OAuthError("invalid_grant", "The refresh token is invalid or has been revoked")
        if now >= refresh.expires_at:
            raise OAuthError("invalid_grant", "The refresh token has expired")
        if refresh.replacement is not None:
            successor = self.refresh_tokens[refresh.replacement]
            assert refresh.first_used_at is not None
            within = now - refresh.first_used_at <= self.refresh_retry_window_s
            if within and successor.first_used_at is None and not successor.retired:
                # The same request again (its answer was lost): the same new pair again.
                return self._pair_body(self.access_tokens[successor.access_token], successor)
            refresh.retired = True
            raise OAuthError("invalid_grant", "The refresh token has already been used")
        if refresh.predecessor is not None:  # using a replacement retires the one before it
            self.refresh_tokens[refresh.predecessor].retired = True
        body = self._offline(shop, refresh.scope, expiring=True, predecessor=value)
        refresh.first_used_at = now
        refresh.replacement = body["refresh_token"]
        return body

    # --- issuing ------------------------------------------------------------------------------

    def _offline(
        self, shop: str, scope: str, *, expiring: bool, predecessor: str | None = None
    ) -> dict[str, Any]:
        now = self.clock()
        access = AccessToken(
            value=f"shpat_{secrets.token_hex(16)}",
            shop=shop,
            scope=scope,
            expires_at=now + self.access_token_ttl_s if expiring else None,
        )
        self.access_tokens[access.value] = access
        if not expiring:
            return {"access_token": access.value, "scope": scope}
        refresh = RefreshToken(
            value=f"shprt_{secrets.token_hex(16)}",
            shop=shop,
            scope=scope,
            access_token=access.value,
            expires_at=now + self.refresh_token_ttl_s,
            predecessor=predecessor,
        )
        self.refresh_tokens[refresh.value] = refresh
        return self._pair_body(access, refresh)

    def _pair_body(self, access: AccessToken, refresh: RefreshToken) -> dict[str, Any]:
        now = self.clock()
        assert access.expires_at is not None
        return {
            "access_token": access.value,
            "scope": access.scope,
            "expires_in": max(0, round(access.expires_at - now)),
            "refresh_token": refresh.value,
            "refresh_token_expires_in": max(0, round(refresh.expires_at - now)),
        }

    def _online(self, shop: str, scope: str, *, user_id: str) -> dict[str, Any]:
        access = AccessToken(
            value=f"shpua_{secrets.token_hex(16)}",
            shop=shop,
            scope=scope,
            expires_at=self.clock() + ONLINE_TOKEN_TTL_S,
            online=True,
        )
        self.access_tokens[access.value] = access
        return {
            "access_token": access.value,
            "scope": scope,
            "expires_in": ONLINE_TOKEN_TTL_S,
            "associated_user_scope": scope,
            "associated_user": {
                "id": int(user_id) if user_id.isdigit() else user_id,
                "first_name": "Alex",
                "last_name": "Rivera",
                "email": f"staff-{user_id}@{shop_handle(shop)}.example",
                "account_owner": user_id == "1",
                "locale": "en",
                "collaborator": False,
                "email_verified": True,
            },
        }

    def issue(self, shop: str, *, expiring: bool = True) -> dict[str, Any]:
        """A token for ``shop`` as an install would give (not counted in `token_requests`)."""
        return self._offline(shop, self.scopes, expiring=expiring)

    # --- tokens in use ------------------------------------------------------------------------

    def authenticate(self, value: str | None, shop: str) -> AccessToken | None:
        """The live access token ``value`` of ``shop``, else None (GraphQL then answers 401)."""
        token = self.access_tokens.get(value or "")
        if token is None or token.shop != shop or not token.live(self.clock()):
            return None
        return token

    def revoke_shop(self, shop: str) -> None:
        """Uninstall: every token of ``shop`` stops working."""
        for access in self.access_tokens.values():
            if access.shop == shop:
                access.revoked = True
                access.migrated_to = None
        for refresh in self.refresh_tokens.values():
            if refresh.shop == shop:
                refresh.retired = True

    # --- session tokens (App Bridge ``shopify.idToken()``) -------------------------------------

    def session_token(
        self,
        shop: str,
        *,
        user_id: str = "1",
        ttl_s: int = 60,
        secret: str | None = None,
        aud: str | None = None,
    ) -> str:
        now = int(self.clock())
        claims = {
            "iss": f"https://{shop}/admin",
            "dest": f"https://{shop}",
            "aud": aud if aud is not None else self.api_key,
            "sub": user_id,
            "exp": now + ttl_s,
            "nbf": now,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "sid": secrets.token_hex(16),
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            return jwt.encode(claims, secret or self.api_secret, algorithm="HS256")

    def verify_session_token(self, token: str, shop: str) -> dict[str, Any]:
        """Signature, ``aud``, ``exp``/``nbf`` (10 s leeway, on the simulator's clock), and
        ``iss``/``dest`` naming the path's shop; `OAuthError` invalid_subject_token otherwise."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsecureKeyLengthWarning)
                claims: dict[str, Any] = jwt.decode(
                    token,
                    self.api_secret,
                    algorithms=["HS256"],
                    audience=self.api_key,
                    options={
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                        "require": ["exp", "nbf", "iss", "dest", "aud"],
                    },
                )
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_subject_token", f"Subject token is invalid: {exc}") from exc
        now = self.clock()
        if float(claims["exp"]) + SESSION_TOKEN_LEEWAY_S <= now:
            raise OAuthError("invalid_subject_token", "Subject token is expired")
        if float(claims["nbf"]) - SESSION_TOKEN_LEEWAY_S > now:
            raise OAuthError("invalid_subject_token", "Subject token is not yet valid")
        dest = urlsplit(str(claims["dest"])).hostname
        if dest != shop or claims["iss"] != f"https://{shop}/admin":
            raise OAuthError("invalid_subject_token", "Subject token is for another shop")
        return claims
