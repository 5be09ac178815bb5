"""Opening and saving, as functions of the window: photos, results, hint sessions, recent files
and crash recovery (napari keeps its file actions as functions of the viewer the same way)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QMenu, QMessageBox, QStatusBar

from ..base.errors import ImageError, SessionError
from ..base.resources import sample_photo
from ..editing.document import Document
from ..editing.editor import Editor
from ..editing.recovery import RecoveryFile, orphaned_recoveries
from ..editing.session import Session
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..network.registry import missing_weights_message
from ..photos.images import READ_FORMATS, check_format_fits
from ..video.clips import VIDEO_SUFFIXES, is_video_file
from .bridge import EngineBridge
from .clip_actions import ClipController
from .dialogs import Dialogs
from .photo_opener import PhotoOpener
from .settings import WindowSettings

PHOTO_FILTER = (
    "Photos and clips (" + " ".join(f"*{s}" for s in (*READ_FORMATS, *VIDEO_SUFFIXES)) + ");;"
    "Hint sessions (*.json);;All files (*)"
)
RESULT_FILTER = "PNG (*.png);;JPEG (*.jpg);;TIFF (*.tif);;WebP (*.webp)"


class MainWindow(Protocol):
    """What the file actions use of :class:`~ideepcolor_app.gui.main_window.MainWindow`."""

    editor: Editor
    bridge: EngineBridge | None
    opener: PhotoOpener
    settings: WindowSettings
    dialogs: Dialogs
    weights_error: str | None
    recent_menu: QMenu
    recovery: RecoveryFile
    clips: ClipController

    def show_autosave_problem(self, problem: str | None) -> None: ...

    def show_error(self, title: str, text: str) -> None: ...

    def refresh_title(self) -> None: ...

    def statusBar(self) -> QStatusBar: ...


def open_path(window: MainWindow, path: str | Path) -> bool:
    """Open a photo, a film clip, or a hint session (.json) with its photo or clip."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return open_session(window, path)
    if is_video_file(path):
        return open_clip(window, path)
    return open_photo(window, path)


def open_clip(
    window: MainWindow,
    path: Path,
    session: Session | None = None,
    session_path: Path | None = None,
    ask: bool = True,
    then: Callable[[bool], None] | None = None,
) -> bool:
    """Start opening a film clip (with a clip session's keyframes); False if the user kept the open hints."""
    if ask and not may_discard(window):
        return False
    keyframes = {frame: tuple(hints) for frame, hints in session.keyframes.items()} if session else {}
    shapes = (
        {
            frame: (tuple(session.keyframe_strokes.get(frame, ())), tuple(session.keyframe_regions.get(frame, ())))
            for frame in session.keyframe_frames
        }
        if session
        else {}
    )

    def opened(ok: bool) -> None:
        if ok:
            remember_recent(window, session_path or path)
        if then is not None:
            then(ok)

    global_hints = session.global_hints if session else None
    window.clips.open(path, keyframes, session_path, global_hints, then=opened, shapes=shapes)
    return True


def open_photo(
    window: MainWindow,
    path: str | Path,
    hints: tuple[Hint, ...] = (),
    session_path: Path | None = None,
    ask: bool = True,
    then: Callable[[Document | None], None] | None = None,
    global_hints: GlobalHints | None = None,
    strokes: tuple[Stroke, ...] = (),
    regions: tuple[Region, ...] = (),
) -> bool:
    """Start opening ``path`` for editing (with ``hints``, ``global_hints``, ``strokes`` and ``regions``);
    False if the user kept the open document.

    The photo is decoded on a worker thread while the window shows progress and stays responsive.
    On failure the open document is kept and a message names the problem. ``then`` runs when it is
    done, with the new document, or None if it could not be opened.
    """
    if ask and not may_discard(window):
        return False
    path = Path(path)

    def opened(document: Document) -> None:
        document.session_path = session_path
        window.clips.close()
        window.editor.open_document(document)
        remember_recent(window, path)
        if path.resolve().parent != sample_photo().resolve().parent:  # never start dialogs inside the app
            window.settings.last_folder = str(path.resolve().parent)
        loading = "; loading it at full resolution…" if document.photo.is_draft else ""
        window.statusBar().showMessage(f"Opened {path.name} ({document.size[0]}x{document.size[1]}){loading}", 5000)
        if then is not None:
            then(document)

    def failed(message: str) -> None:
        window.show_error("Could not open the photo", message)
        if then is not None:
            then(None)

    def completed(document: Document, full: Document) -> None:
        if not window.editor.complete_photo(document, full) and window.editor.document is document:
            window.show_error(
                "Could not load the full photo",
                f"{path}: the file changed on disk while it was loading, so only a reduced copy is open and "
                "no result can be saved from it. Save your hints (File > Save Hints), then open the photo again.",
            )

    window.opener.open(path, hints, opened, failed, global_hints, strokes, regions, completed=completed)
    return True


def open_session(window: MainWindow, path: Path) -> bool:
    """Start opening a hint session (.json) with its photo; False if it cannot be (a message says why)."""
    try:
        session = Session.load(path)
    except SessionError as exc:
        window.show_error("Could not open the hint session", str(exc))
        return False
    image = session.resolve_image(path)
    if session.keyframe_frames or is_video_file(image):
        if not image.exists():
            window.show_error("Clip not found", f"The session {path} belongs to {image}, which does not exist.")
            return False
        return open_clip(window, image, session, session_path=path)
    if not image.is_file():
        window.show_error(
            "Photo not found",
            f"The session {path} belongs to {image}, which does not exist.\n"
            "Move the photo back or open it and re-place the hints.",
        )
        return False

    def check_photo(document: Document | None) -> None:
        if document is None:
            return
        if document.photo.sha256 != session.image_sha256:
            window.statusBar().showMessage("Note: the photo changed since these hints were saved.", 15000)

    return open_photo(
        window,
        image,
        tuple(session.hints),
        session_path=path,
        then=check_photo,
        global_hints=session.global_hints,
        strokes=tuple(session.strokes),
        regions=tuple(session.regions),
    )


def choose_file(window: MainWindow) -> None:
    path = window.dialogs.open_file("Open photo or hints", window.settings.last_folder, PHOTO_FILTER)
    if path:
        open_path(window, path)


def save_result(window: MainWindow) -> None:
    document = window.editor.document
    if document is None:
        return
    if document.result_path is None:
        save_result_as(window)
    else:
        save_result_to(window, document.result_path, overwrite=True)


def save_result_as(window: MainWindow) -> None:
    document = window.editor.document
    if document is None:
        return
    default = document.result_path or save_folder(window, document) / document.default_result_path().name
    path = window.dialogs.save_file("Save colorized result", str(default), RESULT_FILTER)
    if path:
        window.settings.last_save_folder = Path(path).parent
        save_result_to(window, Path(path), overwrite=True)  # the dialog already asked about overwriting


def save_result_to(window: MainWindow, path: Path, overwrite: bool = False) -> None:
    """Write the full-resolution result for the current hints (in the background)."""
    document = window.editor.document
    if document is None:
        return
    if window.bridge is None:
        window.show_error("No result to save", window.weights_error or missing_weights_message())
        return
    if document.photo.is_draft:  # opened from a reduced decode: the full pixels are on their way
        if window.opener.completing:
            window.statusBar().showMessage(f"Saving {path} once the full photo has loaded…")
            window.opener.when_complete(lambda: save_result_to(window, path, overwrite))
        else:
            window.show_error(
                "Could not save the result",
                f"{document.photo.path}: only a reduced copy of the photo could be read, so no "
                "full-resolution result can be made. Open the photo again (File > Open); your hints are kept "
                "in the session file if you save it first.",
            )
        return
    try:
        check_format_fits(path, document.size)  # before the full-resolution work, not after it
    except ImageError as exc:
        window.show_error("Could not save the result", str(exc))
        return
    document.result_path = Path(path)
    window.statusBar().showMessage(f"Saving {path}…")
    hints = document.hints
    window.bridge.save_async(
        document.photo,
        hints.hints,
        Path(path),
        overwrite=overwrite,
        global_hints=hints.global_hints,
        strokes=hints.strokes,
        regions=hints.regions,
    )


def save_folder(window: MainWindow, document: Document) -> Path:
    """Where a save dialog starts: the photo's folder, unless it is the app's own (the bundled samples)
    or not writable; then the folder last saved to, else the user's pictures folder."""
    folder = document.photo.path.parent.resolve() if document.photo.path else None
    own = (Path(__file__).resolve().parents[1], sample_photo().resolve().parent)
    if folder is not None and not any(folder.is_relative_to(o) for o in own) and os.access(folder, os.W_OK):
        return folder
    last = window.settings.last_save_folder
    if last is not None:
        return last
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures) if pictures and Path(pictures).is_dir() else Path.home()


def save_session(window: MainWindow) -> None:
    document = window.editor.document
    if document is None:
        return
    clip = window.clips.clip
    if clip is not None:
        if clip.session_path is None:
            save_session_as(window)
        else:
            save_session_to(window, clip.session_path)
        return
    if document.session_path is None:
        save_session_as(window)
    else:
        save_session_to(window, document.session_path)


def save_session_as(window: MainWindow) -> None:
    document = window.editor.document
    if document is None:
        return
    clip = window.clips.clip
    if clip is not None:
        default = clip.session_path or clip.info.path.with_name(clip.info.path.name + ".hints.json")
    else:
        default = document.session_path or save_folder(window, document) / document.default_session_path().name
    path = window.dialogs.save_file("Save hints", str(default), "Hint sessions (*.json)")
    if path:
        window.settings.last_save_folder = Path(path).parent
        save_session_to(window, Path(path))


def save_session_to(window: MainWindow, path: Path) -> bool:
    document = window.editor.document
    if document is None:
        return False
    model = window.bridge.engine.info.name if window.bridge else None
    clip = window.clips.clip
    try:
        if clip is not None:
            window.clips.keep_current()
            session = clip.to_session(model, relative_to=Path(path).parent)
        else:
            session = document.to_session(model, relative_to=Path(path).parent)
        _with_look(window, session).save(Path(path))
    except SessionError as exc:
        window.show_error("Could not save the hints", str(exc))
        return False
    if clip is not None:
        clip.session_path = Path(path)
        clip.mark_saved()
    document.session_path = Path(path)
    document.mark_saved()
    window.recovery.clear()
    window.refresh_title()
    window.statusBar().showMessage(f"Saved hints to {path}", 5000)
    return True


def offer_recovery(window: MainWindow, then: Callable[[Document | None], None] | None = None) -> bool:
    """If a window was killed or crashed with unsaved hints, offer to restore them; True if a restore
    started. Only the newest orphaned autosave is offered; the others wait for the next window.

    "No" keeps the autosave for later; only "Discard" or a restore whose hints reached this window's
    own autosave removes it.
    ``then`` runs when the restore is done, with the restored document or None.
    """
    orphans = orphaned_recoveries()
    if not orphans:
        return False
    orphan = orphans[0]
    session = orphan.session
    counts = (
        (len(session.hints) + sum(len(h) for h in session.keyframes.values()), "hint"),
        (len(session.strokes) + sum(len(s) for s in session.keyframe_strokes.values()), "stroke"),
        (len(session.regions) + sum(len(r) for r in session.keyframe_regions.values()), "lasso"),
    )
    shown = [(n, kind) for n, kind in counts if n] or [counts[0]]
    what = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for n, kind in shown)
    more = f"\n({len(orphans) - 1} more will be offered next time.)" if len(orphans) > 1 else ""
    answer = window.dialogs.ask(
        "Restore hints?",
        f"ideepcolor did not close normally.\nRestore {what}"
        f"{' and the global hints' if session.global_hints.is_set else ''} on "
        f"{Path(session.image_path).name}?\n\nNo keeps them for later; Discard deletes them.{more}",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Discard,
    )
    if answer == QMessageBox.StandardButton.Discard:
        orphan.discard()
        return False
    if answer != QMessageBox.StandardButton.Yes:
        return False

    image = Path(session.image_path)
    if session.keyframe_frames or is_video_file(image):

        def restored_clip(ok: bool) -> None:
            if ok:  # on failure the orphan stays, so the hints are not lost
                autosave(window)
                if window.recovery.path.is_file():
                    orphan.discard()
            if then is not None:
                then(window.editor.document if ok else None)

        return open_clip(window, image, session, ask=False, then=restored_clip)

    def restore(document: Document | None) -> None:
        if document is not None:  # on failure the orphan stays, so the hints are not lost
            # undoable; the document counts as modified
            window.editor.restore(session.hints, session.global_hints, session.strokes, session.regions)
            autosave(window)  # this window's own autosave holds them before the orphan goes
            if window.recovery.path.is_file():
                orphan.discard()
        if then is not None:
            then(document)

    return open_photo(window, Path(session.image_path), ask=False, then=restore)


def autosave(window: MainWindow) -> None:
    """Keep modified hints in this window's autosave, where :func:`offer_recovery` finds them after
    a crash; a failure stays visible until an autosave succeeds."""
    document = window.editor.document
    if document is None:
        return
    clip = window.clips.clip
    try:
        if clip is not None:
            if window.clips.modified():
                # the marks as they are now, without storing them: a frame may be on its way in
                clip.global_hints = document.hints.global_hints
                session = clip.to_session(None, marks=(window.clips.keyframes(), window.clips.shapes()))
                window.recovery.write(_with_look(window, session))
            else:
                window.recovery.clear()
        elif document.modified and (session := document.to_session(None)).holds_work:
            window.recovery.write(_with_look(window, session))
        else:
            window.recovery.clear()
    except (SessionError, OSError) as exc:
        window.show_autosave_problem(str(exc))
    else:
        window.show_autosave_problem(None)


def may_discard(window: MainWindow) -> bool:
    """True if the open hints are saved, or the user agrees to lose them (or saves them now)."""
    document = window.editor.document
    clip = window.clips.clip
    if document is None:
        return True
    if not (window.clips.modified() if clip is not None else document.modified):
        return True
    answer = window.dialogs.ask(
        "Unsaved hints",
        f"Save the hints on {document.photo.path.name} first?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
    )
    if answer == QMessageBox.StandardButton.Save:
        save_session(window)
        return not (window.clips.modified() if clip is not None else document.modified)
    return answer == QMessageBox.StandardButton.Discard


def _with_look(window: MainWindow, session: Session) -> Session:
    """``session`` with the look the window shows, so that ``colorize --hints`` gives the same."""
    session.look = window.bridge.look if window.bridge else None
    return session


def remember_recent(window: MainWindow, path: Path) -> None:
    window.settings.remember_file(path)
    refresh_recent_menu(window)


def refresh_recent_menu(window: MainWindow) -> None:
    menu = window.recent_menu
    menu.clear()
    recent = window.settings.recent_files
    for p in recent:
        menu.addAction(Path(p).name, functools.partial(open_path, window, p)).setStatusTip(p)
    menu.setEnabled(bool(recent))
