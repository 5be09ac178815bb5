import torch

from ideepcolor_app.colour.ab_bins import NUM_BINS, ab_to_bin, bin_centers, distribution
from ideepcolor_app.colour.encoding import MaskConvention, network_input
from ideepcolor_app.hints.hint_batch import HintBatch


def rasterize_hints(squares, colors, height, width):
    """One image's hints, every slot valid."""
    return HintBatch.of_squares(squares[None], colors[None]).paint(height, width)


def test_bins_are_a_major_23_by_23():
    centers = bin_centers()
    assert NUM_BINS == 529 and centers.shape == (529, 2)
    assert centers[0].tolist() == [-110, -110]
    assert centers[1].tolist() == [-110, -100], "b varies fastest"
    assert centers[23].tolist() == [-100, -110]
    assert torch.equal(ab_to_bin(centers), torch.arange(529))
    assert int(ab_to_bin(torch.tensor([[3.0, -4.0]]))[0]) == 11 * 23 + 11
    maps = ab_to_bin(torch.tensor([[[[20.0]], [[-110.0]]]]))
    assert maps.shape == (1, 1, 1) and int(maps) == 13 * 23


def test_distribution_is_softmax_of_scaled_logits():
    logits = torch.randn(1, 529, 2, 2) * 10
    p = distribution(logits)
    assert torch.allclose(p.sum(1), torch.ones(1, 2, 2))
    assert torch.allclose(p, torch.softmax(0.2 * logits, 1))


def test_rasterize_paints_patches_and_later_hints_win():
    squares = torch.tensor([[10, 10, 5], [12, 12, 3]])
    colors = torch.tensor([[20.0, -30.0], [-5.0, 7.0]])
    ab, mask = rasterize_hints(squares, colors, 32, 32)
    assert mask.sum() == 25
    assert ab[0, :, 10, 10].tolist() == [20.0, -30.0]
    assert ab[0, :, 13, 13].tolist() == [-5.0, 7.0]
    assert ab[0, :, 15, 15].tolist() == [0.0, 0.0] and mask[0, 0, 15, 15] == 0
    empty_ab, empty_mask = rasterize_hints(torch.zeros(0, 3, dtype=torch.long), torch.zeros(0, 2), 8, 8)
    assert empty_ab.abs().sum() == 0 and empty_mask.sum() == 0


def test_network_input_follows_the_mask_convention():
    l = torch.full((1, 1, 8, 8), 75.0)
    ab, mask = rasterize_hints(torch.tensor([[0, 0, 2]]), torch.tensor([[55.0, -110.0]]), 8, 8)
    zero_one = network_input(l, ab, mask, MaskConvention.ZERO_ONE)
    centered = network_input(l, ab, mask, MaskConvention.CENTERED)
    assert zero_one.shape == (1, 4, 8, 8)
    assert torch.allclose(zero_one[0, 0], torch.full((8, 8), 0.25))
    assert zero_one[0, 1:3, 0, 0].tolist() == [0.5, -1.0]
    assert set(zero_one[0, 3].unique().tolist()) == {0.0, 1.0}
    assert set(centered[0, 3].unique().tolist()) == {-0.5, 0.5}


def test_network_cell_scales_each_axis_alone_and_clamps():
    from ideepcolor_app.colour.encoding import network_cell

    assert network_cell(0.0, 0.0, (1000, 500)) == (0, 0)
    assert network_cell(999.9, 499.9, (1000, 500)) == (255, 255)
    assert network_cell(500.0, 125.0, (1000, 500)) == (64, 128)
    assert network_cell(500.0, 125.0, (1000, 500), size=112) == (28, 56)
    assert network_cell(-5.0, 10_000.0, (1000, 500)) == (255, 0)
