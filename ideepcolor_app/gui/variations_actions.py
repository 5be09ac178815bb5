"""What the window does with variations: compute them in the background for each resting result,
show them, draw more, and adopt one through the editor (one undo step)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Protocol

import numpy as np
from PySide6.QtWidgets import QStatusBar

from ..colour.variations import VARIATIONS
from ..editing.editor import Editor
from ..inference.engine import Colorization, ColorizationEngine
from ..inference.variations import Variation, make_variations
from ..inference.worker import UpdateResult
from ..network.architecture import Cancelled
from .background import BackgroundJobs
from .bridge import EngineBridge
from .variations_panel import THUMBNAIL_SIDE, VariationsPanel

CLOSE_WAIT_S = 2.0
"""How long a closing window waits for background work to reach a point where it can stop."""


class MainWindow(Protocol):
    """What these actions use of :class:`~ideepcolor_app.gui.main_window.MainWindow`."""

    editor: Editor
    bridge: EngineBridge | None
    variations_panel: VariationsPanel

    def statusBar(self) -> QStatusBar: ...


def compute_variations(
    engine: ColorizationEngine,
    base: Colorization,
    seed: int,
    stale: Callable[[], bool],
    finished: threading.Event | None = None,
) -> list[tuple[Variation, np.ndarray]] | None:
    """The variations of ``base`` with their thumbnails, from the interactive network; None when
    ``stale()`` turned True meanwhile (newer hints want newer variations). ``finished`` is set at the end."""
    try:
        variations = make_variations(
            engine,
            base,
            VARIATIONS,
            seed,
            network=engine.interactive,
            should_stop=stale,
        )
        return [(v, v.colorization.preview_rgb(THUMBNAIL_SIDE)) for v in variations]
    except Cancelled:
        return None
    finally:
        if finished is not None:
            finished.set()


class VariationsController:
    """Keeps the Variations panel in step with the editor's resting results."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.seed = 0
        """Which set is on show: More draws the next one; a newly opened photo starts again at 0."""
        self.variations: list[Variation] = []
        self._made_from: Colorization | None = None
        """The result the variations on show (or being made) were drawn from."""
        self._generation = 0
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._finished.set()
        # No Qt parent: a job thread still running when the window is deleted emits on an object
        # that is still there (the thread holds it), never on a freed one.
        self._jobs = BackgroundJobs()
        panel, editor = window.variations_panel, window.editor
        panel.adopt.connect(self.adopt)
        panel.more.connect(self.more)
        editor.document_changed.connect(self._document_opened)
        editor.hints_changed.connect(self._hints_changed)
        editor.result_changed.connect(self._result_changed)

    @property
    def busy(self) -> bool:
        """Variations are being computed."""
        return self._jobs.busy

    def more(self) -> None:
        """Draw another set of variations for the current result."""
        latest = self.window.editor.latest
        if latest is None or latest.preliminary:
            return
        self.seed += 1
        self._start(latest)

    def adopt(self, index: int) -> None:
        """Make variation ``index``'s lassos the user's own (one undo step)."""
        if index >= len(self.variations):
            return
        variation = self.variations[index]
        if self.window.editor.adopt_variation(variation):
            count = len(variation.added)
            self.window.statusBar().showMessage(
                f"Variation {index + 1} adopted: {count} lasso{'s' if count != 1 else ''} added, "
                "to recolour, reshape or delete (Ctrl+Z undoes it)",
                8000,
            )

    def close(self) -> None:
        """Deliver nothing more (the window is closing); the work in hand stops at its next pass,
        waited for briefly so that quitting never cuts a pass off mid-way."""
        self._cancel()
        self._jobs.close()
        self._finished.wait(CLOSE_WAIT_S)

    # ----- reactions -------------------------------------------------------------------------------
    def _document_opened(self, *_: object) -> None:
        self._made_from = None
        self.seed = 0
        self._cancel()
        self.window.variations_panel.show_message("Computing variations…")

    def _hints_changed(self) -> None:
        self._cancel()
        if self.variations:
            self.window.variations_panel.show_busy("Updating for the new hints…")

    def _result_changed(self, result: UpdateResult) -> None:
        editor = self.window.editor
        document = editor.document
        if result.preliminary or document is None:
            return  # a drag's quick passes: the resting result follows
        made = result.colorization
        if (result.hints, result.global_hints, made.strokes, made.regions) != document.hints.snapshot:
            return  # an older edit's result: the newest one follows
        shown = self._made_from
        if (
            shown is not None
            and shown.photo.same_photo(made.photo)
            and (shown.hints, shown.global_hints, shown.strokes, shown.regions) == document.hints.snapshot
            and shown.look == made.look
            and shown.weights is made.weights
        ):
            return  # the same state again (at a larger view size, or the photo in full after its draft)
        self._made_from = made
        self._start(result)

    # ----- work ------------------------------------------------------------------------------------
    def _cancel(self) -> None:
        self._generation += 1
        self._stop.set()
        self._jobs.cancel("variations")

    def _start(self, result: UpdateResult) -> None:
        bridge = self.window.bridge
        if bridge is None:
            return
        self._cancel()
        if not bridge.engine.offers_variations:
            self.window.variations_panel.show_message(
                f"No variations: the loaded {bridge.engine.info.architecture.title} predicts no colour "
                "distribution to draw them from."
            )
            return
        generation, stop, finished = self._generation, threading.Event(), threading.Event()
        self._stop, self._finished = stop, finished
        engine, base, seed = bridge.engine, result.colorization, self.seed
        if self.variations:
            self.window.variations_panel.show_busy("Computing variations…")
        else:
            self.window.variations_panel.show_message("Computing variations…")
        # The worker thread holds only its inputs and weak references: a window closed while it
        # runs is freed at once, not when the thread ends.
        me = weakref.ref(self)

        def show(done: list[tuple[Variation, np.ndarray]] | None) -> None:
            controller = me()
            if controller is not None:
                controller._show(done, generation, seed)

        def failed(error: BaseException) -> None:
            controller = me()
            if controller is not None:
                controller._failed(error)

        self._jobs.run(
            lambda: compute_variations(engine, base, seed, stop.is_set, finished),
            show,
            failed,
            key="variations",
            name="variations",
        )

    def _show(self, done: list[tuple[Variation, np.ndarray]] | None, generation: int, seed: int) -> None:
        if done is None or generation != self._generation:
            return
        panel = self.window.variations_panel
        self.variations = [v for v, _ in done]
        if not done:
            panel.show_message(
                "No other plausible colourings: the network is sure of this photo's colours. Add hints to change them."
            )
            return
        tips = [
            f"Variation {i + 1}: recolours {len(v.added)} area{'s' if len(v.added) != 1 else ''} whose colour the "
            "network is least sure of; the rest stays as it is. Click to use it."
            for i, (v, _) in enumerate(done)
        ]
        note = f"Set {seed + 1}. Click one to use its colours: its areas become lassos of yours (Ctrl+Z undoes it)."
        panel.show_variations([picture for _, picture in done], tips, note)

    def _failed(self, error: BaseException) -> None:
        self.variations = []
        self.window.variations_panel.show_message(f"Variations could not be computed: {error}")
