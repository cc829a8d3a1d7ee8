"""A Hub-compatible HTTP server on loopback, for push -> load round trips through the real huggingface_hub client.

It answers the endpoints huggingface_hub uses for create_repo, upload_folder (every file uploaded "regular", inline
base64, so no LFS or xet), repo info / file listing and file downloads, for models and datasets (kept in ``repos``
as ``datasets/<id>``), one branch per repo.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

__all__ = ["HubServer"]


class _Repo:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.sha = hashlib.sha1(b"init").hexdigest()

    def commit(self, files: dict[str, bytes], deleted: list[str]) -> str:
        self.files.update(files)
        for path in deleted:
            self.files.pop(path, None)
        digest = hashlib.sha1(self.sha.encode())
        for path in sorted(self.files):
            digest.update(path.encode() + hashlib.sha1(self.files[path]).digest())
        self.sha = digest.hexdigest()
        return self.sha


class HubServer:
    """Start with ``HubServer().start()``; ``url`` is the endpoint to put in ``HF_ENDPOINT``."""

    def __init__(self, port: int = 0) -> None:
        self.repos: dict[str, _Repo] = {}
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"hub": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> HubServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
        pass

    # --- helpers -------------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, head: bool = False):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def _not_found(self, code: str = "RepoNotFound", head: bool = False) -> None:
        body = json.dumps({"error": code}).encode()
        self._send(404, body, {"X-Error-Code": code, "Content-Type": "application/json"}, head=head)

    def _model_info(self, repo_id: str, repo: _Repo) -> dict:
        return {
            "id": repo_id,
            "modelId": repo_id,
            "sha": repo.sha,
            "private": False,
            "disabled": False,
            "gated": False,
            "tags": [],
            "downloads": 0,
            "likes": 0,
            "siblings": [{"rfilename": path, "size": len(data)} for path, data in sorted(repo.files.items())],
        }

    # --- routes --------------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
        self._get(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._get(head=False)

    def _get(self, head: bool) -> None:
        parsed = urlparse(self.path)
        path = unquote(parsed.path)
        self.hub.requests.append(f"{self.command} {path}")
        match = re.fullmatch(r"/api/(models|datasets)/([^/]+/[^/]+)(?:/revision/([^/]+))?", path)
        if match:
            repo = self.hub.repos.get(_key(match[1], match[2]))
            return self._not_found(head=head) if repo is None else self._json(200, self._model_info(match[2], repo))
        match = re.fullmatch(r"/api/(models|datasets)/([^/]+/[^/]+)/tree/([^/]+)(?:/(.*))?", path)
        if match:
            repo = self.hub.repos.get(_key(match[1], match[2]))
            if repo is None:
                return self._not_found(head=head)
            prefix = (match.group(4) or "").strip("/")
            recursive = parse_qs(parsed.query).get("recursive", ["false"])[0].lower() == "true"
            return self._json(200, _tree(repo, prefix, recursive))
        match = re.fullmatch(r"/((?:datasets/)?[^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if match:
            repo = self.hub.repos.get(match.group(1))
            if repo is None:
                return self._not_found(head=head)
            data = repo.files.get(match.group(3))
            if data is None:
                return self._not_found("EntryNotFound", head=head)
            etag = f'"{hashlib.sha1(data).hexdigest()}"'
            headers = {"X-Repo-Commit": repo.sha, "ETag": etag, "Content-Type": "application/octet-stream"}
            return self._send(200, data, headers, head=head)
        self._not_found(head=head)

    def do_POST(self) -> None:  # noqa: N802
        path = unquote(urlparse(self.path).path)
        self.hub.requests.append(f"POST {path}")
        body = self._body()
        if path == "/api/validate-yaml":
            return self._json(200, {"errors": [], "warnings": []})
        if path == "/api/repos/create":
            payload = json.loads(body or b"{}")
            repo_id = (
                f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
            )
            if "/" not in repo_id:
                repo_id = f"user/{repo_id}"
            if payload.get("type") == "dataset":
                repo_id = f"datasets/{repo_id}"
            if repo_id in self.hub.repos:
                return self._json(409, {"error": "You already created this model repo", "url": ""})
            self.hub.repos[repo_id] = _Repo()
            return self._json(200, {"url": f"{self.hub.url}/{repo_id}", "name": repo_id})
        match = re.fullmatch(r"/api/(?:models|datasets)/([^/]+/[^/]+)/preupload/([^/]+)", path)
        if match:
            files = json.loads(body)["files"]
            answer = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
            return self._json(200, {"files": answer})
        match = re.fullmatch(r"/api/(models|datasets)/([^/]+/[^/]+)/commit/([^/]+)", path)
        if match:
            repo = self.hub.repos.get(_key(match[1], match[2]))
            if repo is None:
                return self._not_found()
            files, deleted = {}, []
            for line in body.decode().splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                value = item.get("value", {})
                if item.get("key") == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                elif item.get("key") in ("deletedFile", "deletedFolder"):
                    deleted.append(value["path"])
                elif item.get("key") == "lfsFile":
                    return self._json(400, {"error": "LFS uploads are not supported by this test server"})
            sha = repo.commit(files, deleted)
            url = f"{self.hub.url}/{_key(match[1], match[2])}/commit/{sha}"
            return self._json(200, {"commitUrl": url, "commitOid": sha, "pullRequestUrl": None})
        self._not_found()


def _key(kind: str, repo_id: str) -> str:
    """Where a repo is kept in ``HubServer.repos``: models by id, datasets as ``datasets/<id>``."""
    return repo_id if kind == "models" else f"datasets/{repo_id}"


def _tree(repo: _Repo, prefix: str, recursive: bool) -> list[dict]:
    entries: dict[str, dict] = {}
    for path, data in sorted(repo.files.items()):
        if prefix and not path.startswith(prefix + "/"):
            continue
        rest = path[len(prefix) + 1 :] if prefix else path
        parts = rest.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(([prefix] if prefix else []) + parts[:depth])
            if recursive or depth == 1:
                entries.setdefault(folder, {"type": "directory", "path": folder, "oid": repo.sha})
        if recursive or len(parts) == 1:
            oid = hashlib.sha1(data).hexdigest()
            entries[path] = {"type": "file", "path": path, "size": len(data), "oid": oid}
    return list(entries.values())
