"""Training hints with colours that are not the truth recolour their object, not the photo."""

import torch

from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.training.simulate import recolour_for_hints


def test_an_off_colour_hint_recolours_its_region_and_leaves_another_colour_alone():
    ab = torch.zeros(1, 2, 64, 64)
    ab[:, 0, :, :32] = 40.0  # left: reddish (a = 40)
    ab[:, 1, :, 32:] = -40.0  # right: bluish (b = -40)
    hints = HintBatch.of_squares(torch.tensor([[[30, 10, 5]]]), torch.tensor([[[40.0, 0.0]]]))
    target, recoloured = recolour_for_hints(ab, hints, torch.Generator().manual_seed(0), share=1.0)
    at_hint = target[0, :, 32, 12]
    assert torch.allclose(recoloured.colours[0, 0], at_hint, atol=1.0), "the hint holds the recoloured truth"
    assert torch.linalg.norm(at_hint - torch.tensor([40.0, 0.0])) > 15, "its object changed colour"
    assert torch.allclose(target[0, :, :, 40:], ab[0, :, :, 40:], atol=0.5), "the other colour did not"


def test_a_share_of_zero_changes_nothing():
    ab = torch.randn(2, 2, 16, 16) * 30
    hints = HintBatch.of_squares(torch.tensor([[[2, 2, 3]], [[5, 5, 3]]]), torch.randn(2, 1, 2))
    target, same = recolour_for_hints(ab, hints, torch.Generator(), share=0.0)
    assert target is ab and same is hints
