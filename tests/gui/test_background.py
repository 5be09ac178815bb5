"""The one way the window runs work in the background (opening, saving, downloading, references)."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QThread

from ideepcolor_app.gui.background import BackgroundJobs


@pytest.fixture
def jobs(qtbot):
    runner = BackgroundJobs()
    yield runner
    runner.close()


def test_a_result_arrives_on_the_gui_thread(qtbot, jobs):
    got = []
    gui = QThread.currentThread()
    worker_threads = []

    def work():
        worker_threads.append(threading.current_thread().name)
        return 42

    jobs.run(work, lambda result: got.append((result, QThread.currentThread() is gui)), name="answer")
    qtbot.waitUntil(lambda: bool(got), timeout=120000)
    assert got == [(42, True)] and worker_threads == ["ideepcolor-answer"]


def test_an_error_reaches_the_gui_thread_and_the_log_keeps_its_traceback(qtbot, jobs, caplog):
    errors = []

    def work():
        raise OSError(5, "Input/output error")

    with caplog.at_level(logging.ERROR):
        jobs.run(work, lambda _: pytest.fail("no result"), errors.append, name="disk")
        qtbot.waitUntil(lambda: bool(errors), timeout=120000)
    assert isinstance(errors[0], OSError) and not jobs.busy
    assert "background disk failed" in caplog.text and "Traceback" in caplog.text


def test_a_newer_job_with_the_same_key_wins_and_busy_is_told_once(qtbot, jobs):
    gate = threading.Event()
    got, busy = [], []
    jobs.busy_changed.connect(busy.append)
    jobs.run(lambda: gate.wait(5) and "old", got.append, key="open")
    jobs.run(lambda: "new", got.append, key="open")
    qtbot.waitUntil(lambda: bool(got), timeout=120000)
    gate.set()
    qtbot.wait(100)
    assert got == ["new"], "the job started first is dropped even though it finished last"
    assert busy == [True, False]


def test_cancel_and_close_drop_what_arrives_later(qtbot, jobs):
    gate = threading.Event()
    got, busy = [], []
    jobs.busy_changed.connect(busy.append)
    jobs.run(lambda: gate.wait(5), got.append, key="download")
    assert jobs.running("download")
    jobs.cancel("download")
    assert not jobs.busy and busy == [True, False]
    jobs.run(lambda: gate.wait(5), got.append)
    jobs.close()
    gate.set()
    qtbot.wait(200)
    assert got == []
