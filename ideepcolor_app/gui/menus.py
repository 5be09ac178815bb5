"""The window's menus and toolbar, as a table.

Each row is an :class:`Item`: its text, what it does to the window, its shortcut, and the groups
it belongs to (``document``: enabled once a photo is open; ``hints``: held while a photo loads, as
an edit then would be dropped with the old photo). :func:`build_menus` makes the actions from the
table; a new command is one row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from ..editing.tools import Tool
from ..network.device import available_devices
from . import engine_actions, file_actions
from .engine_actions import LOCAL_HINTS_TIP

Shortcut = QKeySequence.StandardKey | str | Qt.Key
ABOUT = "User-guided colorization with the SIGGRAPH 2017 network of Zhang et al."
VIVID_TIP = "Away from hints, colour from the network's predicted colours (vivid) instead of their average (muted)"


MainWindow = Any
"""The :class:`~ideepcolor_app.gui.main_window.MainWindow` (which imports this module). Each row's
command uses a different part of it, as each ``*_actions`` module's own protocol states."""


@dataclass(frozen=True)
class Item:
    """One menu command."""

    text: str
    run: Callable[[MainWindow], object]
    shortcuts: tuple[Shortcut, ...] = ()
    tip: str = ""
    name: str = ""
    """The window attribute that holds the action, for the code that enables or checks it."""
    groups: tuple[str, ...] = ()
    checkable: bool = False
    toolbar: bool = False


SEPARATOR = None
RECENT = "Open &Recent"
"""Where the recent files' submenu goes (it is refilled as files are opened)."""

MenuRow = Item | str | None
MENUS: tuple[tuple[str, tuple[MenuRow, ...]], ...] = (
    (
        "&File",
        (
            Item(
                "&Open…",
                file_actions.choose_file,
                (QKeySequence.StandardKey.Open,),
                "Open a photo or hints",
                toolbar=True,
            ),
            RECENT,
            Item(
                "Use &Colours From Photo…",
                lambda w: w.global_hints.choose(),
                ("Ctrl+Shift+O",),
                "Colour this photo like another colour photo of the scene",
                groups=("hints",),
            ),
            Item(
                "Cancel Opening",
                lambda w: w.cancel_open(),
                (Qt.Key.Key_Escape,),
                "Keep the photo on screen",
                "cancel_open_action",
            ),
            SEPARATOR,
            Item(
                "&Save Result",
                file_actions.save_result,
                (QKeySequence.StandardKey.Save,),
                name="save_action",
                groups=("document",),
                toolbar=True,
            ),
            Item("Save Result &As…", file_actions.save_result_as, ("Ctrl+Shift+S",), groups=("document",)),
            SEPARATOR,
            Item("Save &Hints", file_actions.save_session, ("Ctrl+H",), groups=("document",)),
            Item("Save Hints As…", file_actions.save_session_as, groups=("document",)),
            SEPARATOR,
            Item("Load &Weights…", engine_actions.choose_weights),
            SEPARATOR,
            Item("&Quit", lambda w: w.close(), (QKeySequence.StandardKey.Quit,)),
        ),
    ),
    (
        "&Edit",
        (
            Item(
                "&Undo", lambda w: w.editor.undo(), (QKeySequence.StandardKey.Undo,), name="undo_action", toolbar=True
            ),
            Item("&Redo", lambda w: w.editor.redo(), ("Ctrl+Shift+Z", "Ctrl+Y"), name="redo_action", toolbar=True),
            SEPARATOR,
            Item(
                "&Delete Selected",
                lambda w: w.editor.delete_selected(),
                (Qt.Key.Key_Delete, Qt.Key.Key_Backspace),
                groups=("hints",),
            ),
            Item("Dese&lect", lambda w: w.deselect(), (Qt.Key.Key_Escape,), groups=("hints",)),
            Item("Smaller Patch or Brush", lambda w: w.editor.step_patch_size(-1), ("[",), groups=("hints",)),
            Item("Bigger Patch or Brush", lambda w: w.editor.step_patch_size(1), ("]",), groups=("hints",)),
            Item("Eyedropper", lambda w: w.panel.eyedropper.toggle(), ("I",), groups=("hints",)),
            SEPARATOR,
            Item("&Clear Hints", lambda w: w.editor.clear_hints(), ("Ctrl+Shift+Backspace",), groups=("hints",)),
            Item("Rese&t", lambda w: w.reset(), tip="Clear hints, colour and zoom", groups=("hints",)),
            Item(
                "Clear Reference Colours",
                lambda w: w.editor.clear_reference(),
                tip="Forget the reference photo's colours",
                groups=("hints",),
            ),
        ),
    ),
    (
        "&Tools",
        tuple(
            Item(
                text,
                functools.partial(lambda tool, w: w.editor.set_tool(tool), tool),
                (key,),
                tip,
                f"{tool.value}_tool_action",
                groups=("hints", "tools"),
                checkable=True,
                toolbar=True,
            )
            for tool, text, key, tip in (
                (Tool.POINT, "&Point", "H", "Click to add a colour hint; drag hints, strokes and lassos to move them"),
                (Tool.BRUSH, "&Brush", "B", "Paint a stroke of the current colour ([ and ] change its width)"),
                (Tool.LASSO, "&Lasso", "F", "Draw round an area to give it the current colour, and no other area"),
                (Tool.PROTECT, "P&rotect", "Shift+F", "Draw round an area to keep colours painted elsewhere out"),
                (Tool.WAND, "Magic &Wand", "W", "Click an area to select it as a lasso; Shift-click adds to it"),
                (Tool.ERASER, "&Eraser", "E", "Drag over strokes to delete them"),
            )
        ),
    ),
    (
        "&View",
        (
            Item("Zoom &In", lambda w: w.canvas.zoom_by(1.25), (QKeySequence.StandardKey.ZoomIn,)),
            Item("Zoom &Out", lambda w: w.canvas.zoom_by(0.8), (QKeySequence.StandardKey.ZoomOut,)),
            Item("&Fit", lambda w: w.canvas.fit(), ("Ctrl+0",)),
            Item("&100%", lambda w: w.canvas.set_zoom(1.0), ("Ctrl+1",)),
            SEPARATOR,
            Item(
                "Show Result on &Canvas",
                lambda w: w.refresh_views(),
                ("R",),
                name="show_result_on_canvas",
                checkable=True,
                toolbar=True,
            ),
            Item(
                "Compare with &Original",
                lambda w: w.refresh_views(),
                ("O",),
                "Show the photo's own colours in the result view",
                "show_original",
                checkable=True,
                toolbar=True,
            ),
            SEPARATOR,
            Item("&Vivid Colours", engine_actions.look_changed, ("V",), VIVID_TIP, "vivid_action", checkable=True),
            Item(
                "Keep Hints &Local",
                engine_actions.look_changed,
                ("L",),
                LOCAL_HINTS_TIP,
                "local_action",
                checkable=True,
            ),
            Item("&More Variations", lambda w: w.variations.more(), ("M",), "Draw other colourings"),
            Item("&Preview Clip", lambda w: w.clips.preview(), ("P",), "Play two seconds of a clip colourised"),
        ),
    ),
    ("&Device", ()),  # filled with the devices found here
    (
        "&Help",
        (
            Item("Getting Weights", lambda w: w.dialogs.inform("Weights", engine_actions.weights_help(w))),
            Item("About", lambda w: w.dialogs.about("ideepcolor", ABOUT)),
        ),
    ),
)


def build_menus(
    window: MainWindow, menus: tuple[tuple[str, tuple[MenuRow, ...]], ...] = MENUS
) -> dict[str, list[QAction]]:
    """Make the menu bar, the Device menu and the toolbar for ``window``; named actions become its
    attributes. Returns the actions of each group."""
    groups: dict[str, list[QAction]] = {}
    toolbar: list[QAction | None] = []
    for title, rows in menus:
        menu = window.menuBar().addMenu(title)
        if title == "&Device":
            _device_actions(window, menu)
        for row in rows:
            if row is SEPARATOR:
                menu.addSeparator()
            elif isinstance(row, str):
                window.recent_menu = menu.addMenu(row)
            else:
                action = _action(window, row)
                menu.addAction(action)
                for group in row.groups:
                    groups.setdefault(group, []).append(action)
                if row.toolbar:
                    toolbar.append(action)
        if title in ("&Edit", "&Tools"):
            toolbar.append(None)  # file and edit actions, the tools, then the view switches
    bar = window.addToolBar("Main")
    bar.setObjectName("main-toolbar")
    for entry in toolbar:
        if entry is None:
            bar.addSeparator()
        else:
            bar.addAction(entry)
    return groups


def _action(window: MainWindow, item: Item) -> QAction:
    action = QAction(item.text, window)
    action.setShortcuts([QKeySequence(s) for s in item.shortcuts])
    action.setCheckable(item.checkable)
    action.setStatusTip(item.tip)
    run = item.run
    action.triggered.connect(lambda _checked=False: run(window))
    window.addAction(action)
    if item.name:
        setattr(window, item.name, action)
    return action


def _device_actions(window: MainWindow, menu: QMenu) -> None:
    group = QActionGroup(window)
    for name in ["auto", *available_devices()]:
        item = Item(
            name.upper() if name != "auto" else "Best available", functools.partial(_use_device, name), checkable=True
        )
        action = _action(window, item)
        action.setChecked(name == window.device)
        group.addAction(action)
        menu.addAction(action)


def _use_device(device: str, window: MainWindow) -> None:
    engine_actions.set_device(window, device)
