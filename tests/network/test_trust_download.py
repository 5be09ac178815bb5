"""Downloads a broken or hostile server cannot turn into a hang, a full disk or a bad cached file.

Every server here is a local one on 127.0.0.1 with bounded responses."""

import hashlib
import subprocess
import sys
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ideepcolor_app.cli import main
from ideepcolor_app.network import registry
from ideepcolor_app.network.download import DownloadError, download
from weights_factory import small_pth_bytes

PAYLOAD = small_pth_bytes()
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Behaviour(BaseHTTPRequestHandler):
    mode = "ok"
    trickle_finished: bool | None = None

    def do_GET(self):
        mode = Behaviour.mode
        if mode == "416" and self.headers.get("Range"):
            self.send_response(416)
            self.end_headers()
            return
        self.send_response(200)
        if mode == "html":
            body = b"<!DOCTYPE html><html><body>Please sign in</body></html>"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if mode == "bad-length":
            self.send_header("Content-Length", "abc")
        elif mode == "huge-length":
            self.send_header("Content-Length", str(13 * 10**9))
        elif mode not in ("endless", "trickle"):
            self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        if mode == "endless":
            chunk = bytes(1 << 16)
            for _ in range(400):  # bounded: 26 MB at most
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
        elif mode == "trickle":
            Behaviour.trickle_finished = False
            for _ in range(40):  # a byte every 0.1 s, 4 s at most
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
            Behaviour.trickle_finished = True
        elif mode != "huge-length":
            self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Behaviour.mode = "ok"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Behaviour)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/caffemodel.pth"
    httpd.shutdown()
    httpd.server_close()


def test_an_endless_stream_stops_at_the_size_cap_and_leaves_nothing(server, tmp_path):
    Behaviour.mode = "endless"
    with pytest.raises(DownloadError, match="sent more than 1 MB"):
        download(server, tmp_path / "w.pth", max_bytes=1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_a_stated_size_over_the_cap_is_refused_before_reading(server, tmp_path):
    Behaviour.mode = "huge-length"
    with pytest.raises(DownloadError, match="13,000 MB"):
        download(server, tmp_path / "w.pth")


def test_a_trickling_server_is_stopped_as_stalled(server, tmp_path):
    Behaviour.mode = "trickle"
    with pytest.raises(DownloadError, match="stalled"):
        download(server, tmp_path / "w.pth", stall_seconds=1.0, timeout=5)
    assert Behaviour.trickle_finished is False, "given up while the server was still trickling"


def test_a_nonsense_content_length_is_ignored(server, tmp_path):
    Behaviour.mode = "bad-length"
    assert download(server, tmp_path / "w.pth").read_bytes() == PAYLOAD


def test_a_416_to_a_resume_without_checksum_starts_over_instead_of_keeping_garbage(server, tmp_path):
    Behaviour.mode = "416"
    (tmp_path / "w.pth.part").write_bytes(b"garbage from some earlier server" * 100)
    assert download(server, tmp_path / "w.pth").read_bytes() == PAYLOAD


def test_an_html_page_instead_of_unchecksummed_weights_is_not_cached(server, tmp_path, monkeypatch, capsys):
    Behaviour.mode = "html"
    assert main(["weights", "download", "siggraph17-caffe", "--url", server]) == 1
    assert "web page" in capsys.readouterr().err
    assert not (tmp_path / "cache" / "caffemodel.pth").exists()
    assert not (tmp_path / "cache" / "caffemodel.pth.part").exists()


def test_a_bad_cached_file_is_downloaded_again(server, tmp_path, capsys):
    cached = tmp_path / "cache" / "caffemodel.pth"
    cached.parent.mkdir()
    cached.write_text("<html>login</html>")
    assert main(["weights", "download", "siggraph17-caffe", "--url", server]) == 0
    assert "downloading it again" in capsys.readouterr().err
    assert cached.read_bytes() == PAYLOAD


def test_a_cache_path_that_is_a_file_gets_a_message(server, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(DownloadError, match="is a file"):
        download(server, blocker / "w.pth")


def test_a_damaged_cached_full_size_file_does_not_stop_the_bundled_model(tmp_path, monkeypatch):
    from ideepcolor_app.inference.engine import ColorizationEngine

    cached = tmp_path / "cache" / "siggraph17-df00044c.pth"
    cached.parent.mkdir()
    cached.write_bytes(b"PK\x03\x04 truncated")
    engine = ColorizationEngine.from_weights(None, "cpu")
    assert engine.best.info.name == "ideepcolor-fast"
    assert len(engine.problems) == 1 and "siggraph17-df00044c.pth" in engine.problems[0]
    assert "Using ideepcolor-fast" in engine.problems[0]


def test_the_published_checksum_still_guards_a_download(server, tmp_path, monkeypatch):
    monkeypatch.setattr(
        registry, "REGISTRY", {**registry.REGISTRY, "siggraph17": replace(registry.REGISTRY["siggraph17"], sha256=SHA)}
    )
    assert main(["weights", "download", "siggraph17", "--url", server.replace("caffemodel", "s")]) == 0


# ----- the command line ---------------------------------------------------------------------------
@pytest.mark.slow  # several Python processes, each importing torch
def test_piping_a_listing_into_head_prints_no_traceback():
    script = f"{sys.executable} -m ideepcolor_app weights list | head -1"
    for _ in range(5):
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
        assert done.stdout.count("\n") == 1


def test_the_british_spelling_of_colorize_works(tmp_path, echo_weights, photo_files):
    assert main(["colourize", str(photo_files[0]), "-o", str(tmp_path), "--weights", str(echo_weights)]) == 0
    assert (tmp_path / f"{photo_files[0].stem}_colorized.png").exists()


def test_a_mistyped_command_gets_a_suggestion(capsys):
    assert main(["evalute", "photos"]) == 2
    assert "did you mean 'evaluate'" in capsys.readouterr().err


def test_a_file_whose_name_starts_with_a_dash_gets_advice(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("-photo.jpg").write_bytes(b"x")
    assert main(["colorize", "-photo.jpg"]) == 2
    assert "./-photo.jpg" in capsys.readouterr().err


def test_a_cache_that_cannot_be_written_is_not_called_an_interrupted_download(server, tmp_path):
    (tmp_path / "w.pth.part").mkdir()  # where the bytes would go cannot be written (even by root)
    with pytest.raises(DownloadError, match="Cannot write to") as err:
        download(server, tmp_path / "w.pth")
    assert "interrupted" not in str(err.value)


@pytest.mark.parametrize("weights", ["/dev/zero", "folder"])
def test_a_device_or_folder_given_as_weights_is_named_for_what_it_is(tmp_path, photo_files, capsys, weights):
    if weights == "folder":
        weights = str(tmp_path)
    assert main(["colorize", str(photo_files[0]), "-o", str(tmp_path / "out"), "--weights", weights]) == 1
    err = capsys.readouterr().err
    assert ("not a regular file" in err or "is a folder" in err) and "does not exist" not in err
