"""What the user says, as values: local hints (a colour at a point) and global hints (a
reference's colours, a saturation).

Imports only from: base, colour, photos."""
