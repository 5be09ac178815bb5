"""Reading and writing photos.

Imports only from: base, colour."""
