"""Hints as the network takes them: one value for a batch of images' hints at one resolution.

Every room that hands hints to the network, the fills, vivid colours or locality passes a
:class:`HintBatch`; the geometry of a hint's square (its centre, the pixels it covers, the mean of
an image over them, the distance to it) is worked out here only. A point hint is a square today;
a new hint kind rasterises itself here and the colour maths (which sees the
:class:`~ideepcolor_app.colour.hint_shapes.HintShapes` protocol) does not change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..colour.color import snap_ab_to_gamut
from .local_hints import Hint, hint_box
from .regions import Region, fill_squares, region_masks
from .strokes import Stroke, stroke_squares

_SLOTS_PER_CHUNK = 64
"""Hints are painted and measured in chunks, so memory stays at (64, H, W) whatever their count."""
_PIXELS_PER_CHUNK = 1 << 22
"""Squares are painted in chunks of at most this many of their pixels."""
_SPEAKERS_PER_STROKE = 16
"""The most squares of one stroke that carry its weight in the fills and locality."""
_SPEAKERS_PER_REGION = 64
"""The same for a lasso's inside: with 16, pixels of a lightness none of them had took less of
its colour (9.8 ab units from it on 10 dev-eval photos; 7.5 with 64; 6.6 with all of them, at twice
the update time of 64)."""
_IMAGES_PER_TABLE = 128
"""Summed-area tables are built for this many images at a time, so memory does not grow with B."""


@dataclass(frozen=True, eq=False)
class HintBatch:
    """B images' hints in K slots each, at one square resolution; never changed once made.

    Each hint is a square: ``squares[b, k]`` is its (top, left, side) in pixels of that resolution.
    A square may cross the border; only its in-image part counts.
    """

    squares: torch.Tensor
    """(B, K, 3) long (top, left, side)."""
    colours: torch.Tensor
    """(B, K, 2) float32 ab, in gamut when made by :meth:`place`; a later slot paints over an
    earlier one."""
    valid: torch.Tensor
    """(B, K) bool: which slots hold a hint (rows are padded to the longest)."""
    weights: torch.Tensor | None = None
    """(B, K) float32: the share of a hint each slot is (a stroke's or region's squares share one
    hint's weight, so the fills and locality count it as one hint); None: every slot is a whole hint."""

    def __post_init__(self) -> None:
        batch, slots = self.valid.shape
        if (
            self.squares.shape != (batch, slots, 3)
            or self.colours.shape != (batch, slots, 2)
            or (self.weights is not None and self.weights.shape != (batch, slots))
        ):
            raise ValueError(
                f"hint batch shapes disagree: squares {tuple(self.squares.shape)}, colours "
                f"{tuple(self.colours.shape)}, valid {tuple(self.valid.shape)}"
            )

    @classmethod
    def empty(cls, batch: int = 1, device: torch.device | str = "cpu") -> HintBatch:
        """``batch`` images without hints."""
        return cls.of_squares(
            torch.zeros(batch, 0, 3, dtype=torch.long, device=device), torch.zeros(batch, 0, 2, device=device)
        )

    @classmethod
    def of_squares(cls, squares: torch.Tensor, colours: torch.Tensor, valid: torch.Tensor | None = None) -> HintBatch:
        """A batch from (B, K, 3) squares and (B, K, 2) colours; every slot a hint unless ``valid``."""
        if valid is None:
            valid = torch.ones(squares.shape[:2], dtype=torch.bool, device=squares.device)
        return cls(squares.to(torch.long), colours.to(torch.float32), valid.to(torch.bool))

    @classmethod
    def cat(cls, batches: Sequence[HintBatch]) -> HintBatch:
        """The images of ``batches`` in one batch, each row padded to the most hints."""
        if not batches:
            raise ValueError("no hint batches to join")
        slots = max(b.valid.shape[1] for b in batches)

        def padded(t: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.pad(t, (0, 0, 0, slots - t.shape[1])) if t.ndim == 3 else t

        device = batches[0].device
        squares = torch.cat([padded(b.squares.to(device)) for b in batches])
        colours = torch.cat([padded(b.colours.to(device)) for b in batches])
        valid = torch.cat([torch.nn.functional.pad(b.valid.to(device), (0, slots - b.valid.shape[1])) for b in batches])
        weights = None
        if any(b.weights is not None for b in batches):
            weights = torch.cat(
                [torch.nn.functional.pad(b.slot_weights().to(device), (0, slots - b.valid.shape[1])) for b in batches]
            )
        return cls(squares, colours, valid, weights)

    @classmethod
    def place(
        cls,
        hints: Sequence[Hint],
        image_size: tuple[int, int],
        lightness: torch.Tensor,
        strokes: Sequence[Stroke] = (),
        regions: Sequence[Region] = (),
    ) -> HintBatch:
        """The user's hints on one photo, at the resolution and on the device of ``lightness``.

        Args:
            hints: point hints, in painting order.
            image_size: (width, height) of the full-resolution photo the hints' points refer to.
            lightness: (1, 1, S, S) the photo's L as the network sees it; each colour is snapped
                into the gamut at the L of its square's centre cell.
            strokes: brush strokes, painted first as the squares of a brush along each path
                (:func:`~ideepcolor_app.hints.strokes.stroke_squares`); point hints paint over them.
            regions: coloured lasso regions, their insides given as squares on a grid
                (:func:`~ideepcolor_app.hints.regions.fill_squares`), painted over the strokes.
        """
        size = lightness.shape[-1]
        device = lightness.device
        stamps: list[tuple[tuple[int, int, int], tuple[float, float]]] = []
        weights: list[float] = []
        for stroke in strokes:
            squares_of_stroke = stroke_squares(stroke, image_size, size)
            stamps += [(square, stroke.ab) for square in squares_of_stroke]
            weights += _shares(len(squares_of_stroke))
        for region, mask in zip(regions, region_masks(regions, image_size, size), strict=True):  # on the CPU
            if region.ab is None:  # a protected region paints nothing
                continue
            squares_of_region = fill_squares(mask[0])
            stamps += [(square, region.ab) for square in squares_of_region]
            weights += _shares(len(squares_of_region), _SPEAKERS_PER_REGION)
        stamps += [(hint_box(h, image_size, size), h.ab) for h in hints]
        weights += [1.0] * len(hints)
        squares = torch.tensor([square for square, _ in stamps], dtype=torch.long)
        colours = torch.tensor([ab for _, ab in stamps], dtype=torch.float32).reshape(-1, 2).to(device)
        squares = squares.reshape(-1, 3).to(device)
        if stamps:
            radius = squares[:, 2] // 2
            rows = (squares[:, 0] + radius).clamp(0, size - 1)
            cols = (squares[:, 1] + radius).clamp(0, size - 1)
            colours = snap_ab_to_gamut(lightness[0, 0, rows, cols], colours).to(torch.float32)
        placed = cls.of_squares(squares[None], colours[None])
        if len(weights) > len(hints):
            return cls(placed.squares, placed.colours, placed.valid, torch.tensor([weights], device=device))
        return placed

    @property
    def device(self) -> torch.device:
        """Where the hints' tensors are."""
        return self.colours.device

    def __len__(self) -> int:
        """B, the number of images."""
        return self.valid.shape[0]

    def __getitem__(self, rows: int | slice | torch.Tensor) -> HintBatch:
        """The hints of some images (an int keeps its batch dimension; a tensor indexes rows)."""
        pick = slice(rows, rows + 1) if isinstance(rows, int) else rows
        weights = None if self.weights is None else self.weights[pick]
        return HintBatch(self.squares[pick], self.colours[pick], self.valid[pick], weights)

    def counts(self) -> torch.Tensor:
        """(B,) long: how many hints each image has."""
        return self.valid.sum(dim=1)

    def any(self) -> bool:
        """Some image has a hint."""
        return bool(self.valid.any())

    def to(self, device: torch.device | str) -> HintBatch:
        """The same hints on ``device``."""
        weights = None if self.weights is None else self.weights.to(device)
        return HintBatch(self.squares.to(device), self.colours.to(device), self.valid.to(device), weights)

    def expand(self, batch: int) -> HintBatch:
        """One image's hints repeated for ``batch`` images."""
        weights = None if self.weights is None else self.weights.expand(batch, -1)
        squares, colours = self.squares.expand(batch, -1, -1), self.colours.expand(batch, -1, -1)
        return HintBatch(squares, colours, self.valid.expand(batch, -1), weights)

    def resized(self, from_size: int, to_size: int) -> HintBatch:
        """The same hints on a square of side ``to_size`` instead of ``from_size``: each square
        becomes the cells that cover it there, so a thin stroke keeps its whole path."""
        if to_size == from_size:
            return self
        scale = to_size / from_size
        corners = self.squares[..., :2].to(torch.float32)  # MPS has no float64
        start = (corners * scale).floor()
        end = ((corners + self.squares[..., 2:].to(torch.float32)) * scale).ceil()
        sides = (end - start).amax(dim=-1, keepdim=True)
        squares = torch.cat((start, sides), dim=-1).long()
        return HintBatch(squares, self.colours, self.valid, self.weights)

    def with_colours(self, colours: torch.Tensor) -> HintBatch:
        """The same hints asking for (B, K, 2) ``colours``."""
        return HintBatch(self.squares, colours.to(torch.float32), self.valid, self.weights)

    def slot_weights(self) -> torch.Tensor:
        """(B, K) float32: the share of a hint each slot is (see :attr:`weights`)."""
        if self.weights is None:
            return torch.ones(self.valid.shape, device=self.device)
        return self.weights

    def centres(self) -> torch.Tensor:
        """(B, K, 2) float (row, col) of each square's centre."""
        squares = self.squares.to(torch.float32)
        return squares[..., :2] + (squares[..., 2:3] - 1) / 2

    def means(self, image: torch.Tensor) -> torch.Tensor:
        """(B, K, C) mean of (B, C, H, W) ``image`` over each hint's in-image pixels (0 for a
        square wholly outside it, which a placed hint never is)."""
        return square_means(image, self.squares[..., 0], self.squares[..., 1], self.squares[..., 2])

    def lightness(self, l: torch.Tensor) -> torch.Tensor:
        """(B, K) mean of (B, 1, H, W) ``l`` over each hint's pixels."""
        return self.means(l)[..., 0]

    def paint(self, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """ab (B, 2, H, W) and mask (B, 1, H, W), float32: each hint's colour over its square, a
        later slot over an earlier one; grey and 0 elsewhere."""
        device = self.device
        image, slot = torch.nonzero(self.valid, as_tuple=True)  # valid pairs, in slot order per image
        squares = self.squares[image, slot]
        # 0: no hint; else the 1-based pair of the last square painted there (pairs are in painting order).
        # Each square scatters only its own pixels, so the work grows with the squares' area, not H x W.
        winner = torch.zeros(len(self) * height * width, dtype=torch.long, device=device)
        side = int(squares[:, 2].max()) if len(squares) else 0
        offsets = torch.arange(side, device=device)
        per_chunk = max(1, _PIXELS_PER_CHUNK // max(1, side * side))
        for start in range(0, len(image), per_chunk):
            part = slice(start, start + per_chunk)
            top, left, sides = squares[part, 0:1], squares[part, 1:2], squares[part, 2:3]  # (n, 1)
            rows, cols = top + offsets, left + offsets  # (n, side)
            in_rows = (offsets < sides) & (rows >= 0) & (rows < height)
            in_cols = (offsets < sides) & (cols >= 0) & (cols < width)
            inside = in_rows[:, :, None] & in_cols[:, None, :]  # (n, side, side)
            pixel = (image[part, None, None] * height + rows[:, :, None]) * width + cols[:, None, :]
            order = torch.arange(start + 1, start + len(top) + 1, device=device).view(-1, 1, 1).expand_as(inside)
            winner.scatter_reduce_(0, pixel[inside], order[inside], "amax")
        winner = winner.view(len(self), height, width)
        flat_colours = torch.cat((torch.zeros(1, 2, device=device), self.colours[image, slot]))
        ab = flat_colours[winner].permute(0, 3, 1, 2).contiguous()  # row 0 of flat_colours is grey
        return ab, (winner > 0)[:, None].to(torch.float32)

    def masks(self, height: int, width: int) -> torch.Tensor:
        """(B, 1, H, W) float32: 1 where some hint is."""
        return self.paint(height, width)[1]

    def distance(self, height: int, width: int) -> torch.Tensor:
        """(B, H, W) distance in pixels from each pixel to the nearest hint's square (0 inside one)."""
        device = self.device
        out = torch.full((len(self), height, width), float("inf"), device=device)
        ys = torch.arange(height, device=device, dtype=torch.float32)
        xs = torch.arange(width, device=device, dtype=torch.float32)
        for b in range(len(self)):
            chosen = self.squares[b][self.valid[b]].float()
            for start in range(0, len(chosen), _SLOTS_PER_CHUNK):
                chunk = chosen[start : start + _SLOTS_PER_CHUNK]
                top, left, side = chunk[:, 0, None], chunk[:, 1, None], chunk[:, 2, None]
                dy = (top - ys).clamp(min=0) + (ys - (top + side - 1)).clamp(min=0)  # (k, H)
                dx = (left - xs).clamp(min=0) + (xs - (left + side - 1)).clamp(min=0)  # (k, W)
                nearest = torch.sqrt(dy[:, :, None] ** 2 + dx[:, None, :] ** 2).amin(dim=0)
                out[b] = torch.minimum(out[b], nearest)
        return out


def _shares(count: int, most: int = _SPEAKERS_PER_STROKE) -> list[float]:
    """The weights of a shape's ``count`` squares: one hint's in all, carried by at most ``most`` of
    them spread along it (the others 0), so that a long stroke or a large region costs the fills and
    locality no more than a few dozen point hints."""
    step = max(1, math.ceil(count / most))
    speakers = range(step // 2, count, step)
    shares = [0.0] * count
    for index in speakers:
        shares[index] = 1 / len(speakers)
    return shares


def square_means(image: torch.Tensor, top: torch.Tensor, left: torch.Tensor, sides: torch.Tensor) -> torch.Tensor:
    """Mean of (B, C, H, W) ``image`` over squares given as (B, K) tensors: (B, K, C).

    A square that crosses the image's border covers only its in-image part; one wholly outside
    gives 0. A summed-area table makes every square cost the same, whatever its side.
    """
    if image.shape[0] > _IMAGES_PER_TABLE:
        parts = [
            square_means(image[i : i + _IMAGES_PER_TABLE], *(t[i : i + _IMAGES_PER_TABLE] for t in (top, left, sides)))
            for i in range(0, image.shape[0], _IMAGES_PER_TABLE)
        ]
        return torch.cat(parts)
    batch, _, height, width = image.shape
    top, left, sides = (t.to(device=image.device, dtype=torch.long) for t in (top, left, sides))
    table = torch.nn.functional.pad(image.double().cumsum(2).cumsum(3), (1, 0, 1, 0))  # (B, C, H+1, W+1)
    b = torch.arange(batch, device=image.device)[:, None]
    bottom, right = (top + sides).clamp(0, height), (left + sides).clamp(0, width)
    top, left = top.clamp(0, height), left.clamp(0, width)

    def at(rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
        return table[b, :, rows, cols]  # (B, K, C)

    total = at(bottom, right) - at(top, right) - at(bottom, left) + at(top, left)
    area = ((bottom - top) * (right - left)).clamp(min=1)
    return (total / area[..., None]).float()
