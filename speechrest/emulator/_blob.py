"""The stand-in for blob storage: files served on their own listener behind SAS-style URLs.

A content URL carries an expiry (``se``) and an HMAC signature (``sig``) over the path and
expiry. Like storage, the listener refuses requests that carry the Speech key or a bearer
token (a client that sends them to a content URL leaks credentials), expired URLs and
bad signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import mimetypes
import secrets
import time
from collections import Counter
from urllib.parse import quote

from aiohttp import web

from ._results import shape_for
from ._store import StoredFile

DEFAULT_SAS_SECONDS = 12 * 3600
_CREDENTIAL_HEADERS = ("Ocp-Apim-Subscription-Key", "Authorization")


class BlobStore:
    """Files by id, and the signed URLs that reach them."""

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)
        self._files: dict[str, StoredFile] = {}
        self.url = ""  # set once the listener is bound
        self.stats: Counter[str] = Counter()

    def add(self, file: StoredFile) -> None:
        self._files[file.id] = file

    def discard(self, file: StoredFile) -> None:
        self._files.pop(file.id, None)

    def content_url(self, file: StoredFile, validity_seconds: int | None, version: str | None = None) -> str:
        """A URL for ``file`` valid for ``validity_seconds`` (0: a plain URL with no SAS).

        A file whose shape depends on the API version (a result file) is served as ``version``
        writes it: the URL names that version.
        """
        path = f"/files/{file.id}/{quote(file.name)}"
        if validity_seconds == 0:
            return self.url + path
        expiry = int(time.time()) + (DEFAULT_SAS_SECONDS if validity_seconds is None else validity_seconds)
        shaped = f"&api-version={version}" if shape_for(file.kind, version) else ""
        return f"{self.url}{path}?sp=r&se={expiry}&sig={self._sign(path, expiry)}{shaped}"

    def size(self, file: StoredFile, version: str | None = None) -> int:
        """The size of ``file`` as a client of ``version`` downloads it."""
        reshape = shape_for(file.kind, version)
        return file.size if reshape is None else len(reshape(file.read()))

    def _sign(self, path: str, expiry: int) -> str:
        digest = hmac.new(self._secret, f"{path}\n{expiry}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.stats["requests"] += 1
        leaked = [h for h in _CREDENTIAL_HEADERS if h in request.headers]
        if leaked:
            self.stats["refused_credentials"] += 1
            return _refuse(400, "InvalidAuthenticationInfo", f"blob storage got a Speech credential ({leaked[0]})")
        try:
            expiry = int(request.query["se"])
            signature = request.query["sig"]
        except (KeyError, ValueError):
            self.stats["refused_signature"] += 1
            return _refuse(403, "AuthenticationFailed", "the URL carries no valid shared access signature")
        if not hmac.compare_digest(signature, self._sign(request.raw_path.split("?", 1)[0], expiry)):
            self.stats["refused_signature"] += 1
            return _refuse(403, "AuthenticationFailed", "the signature does not match")
        if expiry < time.time():
            self.stats["refused_expired"] += 1
            return _refuse(403, "AuthenticationFailed", "the shared access signature has expired")
        stored = self._files.get(request.match_info["file_id"])
        if stored is None:
            return _refuse(404, "BlobNotFound", "the blob does not exist")
        content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
        self.stats["served"] += 1
        reshape = shape_for(stored.kind, request.query.get("api-version"))
        if reshape is not None:
            return web.Response(body=reshape(stored.read()), content_type=content_type)
        if stored.path is not None:
            return web.FileResponse(stored.path, headers={"Content-Type": content_type})
        return web.Response(body=stored.read(), content_type=content_type)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/files/{file_id}/{name}", self.handle)
        return app


def _refuse(status: int, code: str, message: str) -> web.Response:
    body = f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return web.Response(status=status, text=body, content_type="application/xml")
