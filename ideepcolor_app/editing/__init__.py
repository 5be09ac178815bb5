"""The editing state, Qt-free: the undoable hints, the open document, sessions, crash recovery, the editor.

Imports only from: base, colour, photos, hints, network, inference."""
