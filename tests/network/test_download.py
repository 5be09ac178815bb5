"""Downloads against a local HTTP server on 127.0.0.1 serving a file the test generates."""

import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ideepcolor_app.cli import main
from ideepcolor_app.network.download import DownloadError, download
from weights_factory import small_pth_bytes

PAYLOAD = small_pth_bytes()
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Handler(BaseHTTPRequestHandler):
    cut_after: int | None = None  # send only this many bytes of the body, then drop the connection
    ranges_seen: list = []

    def do_GET(self):
        start = 0
        header = self.headers.get("Range")
        Handler.ranges_seen.append(header)
        if header:
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(PAYLOAD):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if Handler.cut_after is not None:
            self.wfile.write(body[: Handler.cut_after])
            self.wfile.flush()
            Handler.cut_after = None
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.cut_after, Handler.ranges_seen = None, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/siggraph17.pth"
    httpd.shutdown()
    httpd.server_close()


def test_download_succeeds_with_progress_and_checksum(server, tmp_path):
    seen = []
    dest = download(server, tmp_path / "w.pth", sha256=SHA, progress=lambda d, t: seen.append((d, t)))
    assert dest.read_bytes() == PAYLOAD
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD)) and len(seen) > 1
    assert not (tmp_path / "w.pth.part").exists()


def test_interrupted_download_resumes_where_it_stopped(server, tmp_path):
    Handler.cut_after = 100_000
    with pytest.raises(DownloadError, match="resume"):
        download(server, tmp_path / "w.pth", sha256=SHA, timeout=5)
    part = tmp_path / "w.pth.part"
    assert not (tmp_path / "w.pth").exists()
    assert 0 < part.stat().st_size < len(PAYLOAD)
    have = part.stat().st_size
    download(server, tmp_path / "w.pth", sha256=SHA)
    assert (tmp_path / "w.pth").read_bytes() == PAYLOAD
    assert Handler.ranges_seen[-1] == f"bytes={have}-"


def test_checksum_mismatch_leaves_nothing_behind(server, tmp_path):
    with pytest.raises(DownloadError, match="Checksum mismatch"):
        download(server, tmp_path / "w.pth", sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_offline_gives_clear_message_and_no_file(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="(?s)Could not reach .*internet connection"):
        download(f"http://127.0.0.1:{port}/w.pth", tmp_path / "w.pth", timeout=2)
    assert list(tmp_path.iterdir()) == []


def test_cli_download_into_cache_then_reports_it_is_there(server, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("ideepcolor_app.network.registry.REGISTRY", _registry_with_sha(SHA))
    assert main(["weights", "download", "siggraph17", "--url", server]) == 0
    cached = tmp_path / "cache" / "siggraph17-df00044c.pth"
    assert cached.read_bytes() == PAYLOAD
    assert main(["weights", "download", "siggraph17", "--url", server]) == 0
    assert "already at" in capsys.readouterr().out


def test_cli_download_checksum_failure_exits_nonzero(server, tmp_path, capsys):
    assert main(["weights", "download", "siggraph17", "--url", server]) == 1  # real published checksum
    assert "Checksum mismatch" in capsys.readouterr().err
    assert not (tmp_path / "cache" / "siggraph17-df00044c.pth").exists()


def _registry_with_sha(sha):
    from dataclasses import replace

    from ideepcolor_app.network import registry

    return {**registry.REGISTRY, "siggraph17": replace(registry.REGISTRY["siggraph17"], sha256=sha)}
