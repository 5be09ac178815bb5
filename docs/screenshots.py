"""Take the user guide's screenshots from the real app (run under xvfb-run).

    xvfb-run -s "-screen 0 1600x1000x24" python docs/screenshots.py [--weights FILE]

Opens the bundled sample photo, places a few hints, waits for the network and
grabs the window into docs/images/. Without --weights it uses what a user gets:
the bundled fast model (and full-size weights, if installed).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from ideepcolor_app.gui import file_actions
from ideepcolor_app.gui.main_window import SAMPLE_PHOTO, MainWindow
from ideepcolor_app.hints.local_hints import Hint

OUT = Path(__file__).resolve().parent / "images"


def wait_for_result(app: QApplication, window: MainWindow, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        editor = window.editor
        latest, document = editor.latest, editor.document
        made = latest.colorization if latest is not None else None
        current = (
            made is not None
            and document is not None
            and (latest.hints, made.global_hints, made.strokes, made.regions) == document.hints.snapshot  # type: ignore[union-attr]
        )
        palette_ready = document is not None and (
            editor.probe is None
            or (
                latest is not None
                and latest.palette is not None
                and (latest.palette.x, latest.palette.y) == editor.probe
            )
        )
        if current and not latest.preliminary and palette_ready:  # type: ignore[union-attr]
            for _ in range(20):  # let Qt lay out the new swatches before grabbing
                app.processEvents()
                time.sleep(0.01)
            return
        time.sleep(0.02)
    raise TimeoutError("no result from the network")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights")
    parser.add_argument("--photo", default=str(SAMPLE_PHOTO))
    parser.add_argument("--prefix", default="")
    parser.add_argument("--only", choices=["drawing", "variations"], help="take only these shots")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    settings = tempfile.TemporaryDirectory()  # the same pictures whatever this machine's user did before
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings.name)
    app = QApplication(sys.argv[:1])
    window = MainWindow(args.weights, "cpu")
    window.resize(1500, 900)
    window.show()
    if args.only:
        shots = {"drawing": lambda: drawing_shots(app, window, args.prefix, Path(args.photo))}
        shots["variations"] = lambda: variation_shots(app, window, args.prefix)
        shots[args.only]()
        window.close()
        return 0
    file_actions.open_photo(window, Path(args.photo), ask=False)
    wait_for_result(app, window)
    window.grab().save(str(OUT / f"{args.prefix}01-opened.png"))
    hints = window.editor.document.hints  # type: ignore[union-attr]
    width, height = window.editor.document.size  # type: ignore[union-attr]
    placed = [
        (0.5, 0.28, (18.0, 22.0)),
        (0.3, 0.75, (-5.0, -40.0)),
        (0.8, 0.7, (45.0, 55.0)),
        (0.12, 0.2, (-20.0, 20.0)),
    ]
    for _, _, ab in placed:  # picked as a user would, so they show as recent colours
        window.editor.choose_color(*ab)
    for fx, fy, ab in placed:
        hints.add(Hint(fx * width, fy * height, ab, 7))
    hints.select(0)
    wait_for_result(app, window)
    window.grab().save(str(OUT / f"{args.prefix}02-hints.png"))
    window.show_result_on_canvas.trigger()
    window.canvas.set_zoom(2.0)
    app.processEvents()
    window.grab().save(str(OUT / f"{args.prefix}03-result-on-canvas-zoomed.png"))
    window.canvas.fit()
    window.show_result_on_canvas.trigger()
    for step in range(1, 6):  # a drag: hint 1 moves in steps, each an update of its own
        hints.update(1, coalesce="drag", x=(0.3 + 0.04 * step) * width, y=(0.75 - 0.02 * step) * height)
        wait_for_result(app, window)
    window.grab().save(str(OUT / f"{args.prefix}04-fast-model-drag.png"))
    window.editor.document.mark_saved()  # type: ignore[union-attr]
    one_hint_shots(app, window, args.prefix, Path(args.photo))
    reference_shots(app, window, args.prefix, Path(settings.name))
    variation_shots(app, window, args.prefix)
    clip_shot(app, window, args.prefix, Path(settings.name))
    drawing_shots(app, window, args.prefix, Path(args.photo))
    window.close()
    settings.cleanup()
    print(f"wrote screenshots to {OUT}")
    return 0


def one_hint_shots(app: QApplication, window: MainWindow, prefix: str, photo: Path) -> None:
    """One orange hint on the astronaut's suit, with View > Keep Hints Local off, then on (the default)."""
    file_actions.open_photo(window, photo, ask=False)
    while window.opener.busy:
        app.processEvents()
    wait_for_result(app, window)
    width, height = window.editor.document.size  # type: ignore[union-attr]
    window.editor.choose_color(45.0, 60.0)
    window.editor.document.hints.add(Hint(0.29 * width, 0.82 * height, (45.0, 60.0), 5))  # type: ignore[union-attr]
    wait_for_result(app, window)
    for name, local in (("05-one-hint-everywhere", False), ("06-one-hint-local", True)):
        before = window.editor.latest
        if window.local_action.isChecked() != local:
            window.local_action.trigger()
            wait_until(app, lambda: window.editor.latest is not before, "no result after the switch")  # noqa: B023
        wait_for_result(app, window)
        window.grab().save(str(OUT / f"{prefix}{name}.png"))
    window.editor.document.mark_saved()  # type: ignore[union-attr]


def drawing_shots(app: QApplication, window: MainWindow, prefix: str, photo: Path) -> None:
    """The suit selected with the magic wand and given a blue (a coloured coat), the face protected,
    a stroke on the wall: with the tools, as a user makes them."""
    file_actions.open_photo(window, photo, ask=False)
    while window.opener.busy:
        app.processEvents()
    wait_for_result(app, window)
    editor = window.editor
    width, height = editor.document.size  # type: ignore[union-attr]

    def draw(points: list[tuple[float, float]], extend: bool = False) -> None:
        editor.press(None, points[0][0] * width, points[0][1] * height, True, extend=extend)
        for x, y in points[1:]:
            editor.drag_to(x * width, y * height)
            app.processEvents()
        editor.release()

    window.protect_tool_action.trigger()
    draw([(0.44 + 0.13 * math.cos(t / 20 * math.tau), 0.23 + 0.19 * math.sin(t / 20 * math.tau)) for t in range(21)])
    window.wand_tool_action.trigger()
    editor.choose_color(-5.0, -45.0)
    draw([(0.3, 0.85)])
    for x, y in ((0.6, 0.62), (0.12, 0.7), (0.55, 0.8)):
        draw([(x, y)], extend=True)
    window.brush_tool_action.trigger()
    editor.choose_color(-25.0, 10.0)
    draw([(0.78, 0.05), (0.85, 0.12), (0.95, 0.2)])
    window.point_tool_action.trigger()
    wait_for_result(app, window)
    window.grab().save(str(OUT / f"{prefix}13-window-wand-protect-stroke.png"))
    window.show_result_on_canvas.trigger()
    wait_for_result(app, window)
    window.grab().save(str(OUT / f"{prefix}14-window-wand-protect-stroke-on-canvas.png"))
    window.show_result_on_canvas.trigger()
    editor.document.mark_saved()  # type: ignore[union-attr]


def reference_shots(app: QApplication, window: MainWindow, prefix: str, scratch: Path) -> None:
    """The cat sample automatic, then with the colours of another crop of the same photo."""
    from PIL import Image

    cat = SAMPLE_PHOTO.with_name("chelsea.jpg")
    with Image.open(cat) as image:
        reference = scratch / "chelsea-left.jpg"
        image.crop((0, 0, int(image.width * 0.55), image.height)).save(reference, quality=92)
    file_actions.open_photo(window, cat, ask=False)
    while window.opener.busy:
        app.processEvents()
    wait_for_global(app, window)
    window.grab().save(str(OUT / f"{prefix}07-automatic.png"))
    window.global_hints.use_photo(str(reference))
    deadline = time.monotonic() + 60
    while window.editor.global_hints.histogram is None and time.monotonic() < deadline:
        app.processEvents()
    wait_for_global(app, window)
    window.grab().save(str(OUT / f"{prefix}08-reference.png"))
    window.editor.document.mark_saved()  # type: ignore[union-attr]


def variation_shots(app: QApplication, window: MainWindow, prefix: str) -> None:
    """The cat sample's variations, automatic; then one of them adopted."""
    from PySide6.QtWidgets import QScrollArea

    file_actions.open_photo(window, SAMPLE_PHOTO.with_name("chelsea.jpg"), ask=False)
    while window.opener.busy:
        app.processEvents()
    wait_for_global(app, window)
    wait_for_variations(app, window)
    scroll = window.variations_panel.parentWidget()
    while scroll is not None and not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    if scroll is not None:
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)
    window.grab().save(str(OUT / f"{prefix}09-variations.png"))
    window.variations_panel.buttons[1].click()
    wait_for_global(app, window)
    wait_for_variations(app, window)
    window.grab().save(str(OUT / f"{prefix}10-variation-adopted.png"))
    window.editor.document.mark_saved()  # type: ignore[union-attr]


def clip_shot(app: QApplication, window: MainWindow, prefix: str, scratch: Path) -> None:
    """A clip panned over the cat sample: a hint on frame 0, then frame 20 with the keyframe marked."""
    import av
    import numpy as np
    from PIL import Image

    with Image.open(SAMPLE_PHOTO.with_name("chelsea.jpg")) as image:
        grey = np.asarray(image.convert("L").convert("RGB"))
    clip = scratch / "chelsea-pan.mp4"
    with av.open(str(clip), "w") as out:
        video = out.add_stream("libx264", rate=12)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        for i in range(36):
            frame = np.ascontiguousarray(grey[30:270, 3 * i : 3 * i + 320])
            for packet in video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
    file_actions.open_path(window, clip)
    wait_until(app, lambda: window.clips.clip is not None and window.editor.document is not None, "no clip")
    wait_for_global(app, window)
    window.editor.document.hints.add(Hint(150.0, 120.0, (25.0, 45.0), 7))  # type: ignore[union-attr]
    wait_for_global(app, window)
    window.frame_bar.slider.setValue(20)
    wait_until(
        app,
        lambda: window.clips.clip is not None and window.clips.clip.current == 20 and not window.clips.busy,
        "no frame 20",
    )
    wait_for_global(app, window)
    window.grab().save(str(OUT / f"{prefix}11-clip.png"))
    window.clips.clip.keyframes = {}  # type: ignore[union-attr]
    window.clips.clip.mark_saved()  # type: ignore[union-attr]


def wait_for_variations(app: QApplication, window: MainWindow) -> None:
    """Wait until the Variations panel shows the variations of the current hints."""

    def shown() -> bool:
        variations, document = window.variations.variations, window.editor.document
        return (
            bool(variations)
            and document is not None
            and not window.variations.busy
            and variations[0].colorization.hints[: len(document.hints)] == document.hints.hints
            and all(b.isEnabled() for b in window.variations_panel.buttons if not b.isHidden())
        )

    wait_until(app, shown, "no variations")


def wait_for_global(app: QApplication, window: MainWindow) -> None:
    """Wait for the result of the current local and global hints, then let Qt draw it."""

    def current() -> bool:
        latest, document = window.editor.latest, window.editor.document
        return (
            latest is not None
            and document is not None
            and not latest.preliminary
            and latest.global_hints == document.hints.global_hints
        )

    wait_until(app, current, "no result from the network")


def wait_until(app: QApplication, condition: Callable[[], bool], failure: str, timeout: float = 120.0) -> None:
    """Run Qt until ``condition()`` holds, then let it draw."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            for _ in range(20):
                app.processEvents()
                time.sleep(0.01)
            return
        time.sleep(0.02)
    raise TimeoutError(failure)


if __name__ == "__main__":
    raise SystemExit(main())
