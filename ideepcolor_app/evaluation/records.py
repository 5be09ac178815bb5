"""A long evaluation leaves its results as it goes: one JSON line per photo, after a line of the
settings they were measured with, so that a stopped run can be finished with ``--resume``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from ..base.atomic import atomic_path
from ..base.errors import UsageError
from .evaluate import PhotoRecord


class RecordsFile:
    """The JSON-lines file of one evaluation: a settings line, then a record per photo."""

    def __init__(self, path: Path, settings: dict[str, Any], resume: bool) -> None:
        self.path = path
        self.settings = settings
        if resume and not path.exists():
            raise UsageError(f"--resume: {path} does not exist; run without --resume to start")
        self.finished: dict[str, PhotoRecord] = self._read() if resume else {}
        self._handle: TextIO | None = None

    def _read(self) -> dict[str, PhotoRecord]:
        if not self.path.exists():
            return {}
        lines = self.path.read_text().splitlines()
        try:
            header = json.loads(lines[0]) if lines else {}
        except json.JSONDecodeError:
            header = {}
        if header.get("settings") != self.settings:
            raise UsageError(
                f"--resume: {self.path} was measured with other settings ({header.get('settings')}); "
                "give the same weights and options, or another records file"
            )
        finished = {}
        for line in lines[1:]:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # the line being written when the run stopped
                continue
            finished[record["photo"]] = record
        return finished

    def __enter__(self) -> RecordsFile:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.finished:
                self._rewrite_complete_lines()
                self._handle = open(self.path, "a", buffering=1)
            else:
                self._handle = open(self.path, "w", buffering=1)
                self._handle.write(json.dumps({"settings": self.settings}) + "\n")
        except OSError as exc:
            raise UsageError(
                f"cannot write the records file {self.path} ({exc.strerror or exc}); give --records in a folder "
                "you can write to"
            ) from exc
        return self

    def _rewrite_complete_lines(self) -> None:
        """Drop a half-written last line, so that appended records start on their own line."""
        lines = [json.dumps({"settings": self.settings})] + [json.dumps(r) for r in self.finished.values()]
        with atomic_path(self.path) as temporary:
            temporary.write_text("\n".join(lines) + "\n")

    def add(self, record: PhotoRecord) -> None:
        """Append one photo's record and flush it to disk."""
        assert self._handle is not None
        self._handle.write(json.dumps(record) + "\n")
        self._handle.flush()

    def __exit__(self, *_: object) -> None:
        if self._handle is not None:
            self._handle.close()


class LineProgress:
    """Progress for logs and pipes: a line with the count and an ETA every ``every`` seconds and at the
    end (tqdm's bar draws nothing when not on a terminal). ``already`` photos came from an earlier run
    and take no time, so the ETA counts only the photos measured now."""

    def __init__(self, label: str, already: int = 0, every: float = 30.0, stream: TextIO | None = None) -> None:
        self.label = label
        self.already = already
        self.every = every
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.last = self.started

    def __call__(self, done: int, total: int) -> None:
        """``done`` of ``total`` photos are finished."""
        now = time.monotonic()
        if done < total and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.started
        measured = done - min(done, self.already)
        left = f", about {elapsed / measured * (total - done):.0f} s left" if measured and done < total else ""
        self.stream.write(f"{self.label}: {done}/{total} photos, {elapsed:.0f} s elapsed{left}\n")
        self.stream.flush()
