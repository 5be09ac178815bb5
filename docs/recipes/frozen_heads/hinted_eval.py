"""``ideepcolor evaluate`` with hinted_head.py's correction added to every pass with hints.

    python docs/recipes/frozen_heads/hinted_eval.py HEAD.pt evaluate PHOTOS --hints 1,5,10,20 ...

HEAD.pt 'none' runs the command unchanged (the baseline, in the same process and settings).
"""

import sys

import torch
import torch.nn.functional as F
from heads import correction_head, hinted_features, hook_features

from ideepcolor_app import cli
from ideepcolor_app.inference.network import Network
from ideepcolor_app.network.architecture import NetworkOutput

if sys.argv[1] != "none":
    saved = torch.load(sys.argv[1])
    head = correction_head(len(saved["lm"]), len(saved["cm"]))
    head.load_state_dict(saved["state"])
    head.eval()
    plain = Network.forward
    grabs: dict[int, dict[str, torch.Tensor]] = {}

    def forward(self, x, should_stop=None, hint_counts=None, global_hints=None) -> NetworkOutput:
        grab = grabs.get(id(self.model))
        if grab is None:  # filled by every pass of this model from now on
            grab = grabs[id(self.model)] = hook_features(self.model)
        out = plain(self, x, should_stop, hint_counts, global_hints)
        if hint_counts is None or not bool((hint_counts > 0).any()):
            return out
        local, ctx = hinted_features(grab, x, out.ab, hint_counts)
        b, c, h, w = local.shape
        xs = (local.permute(0, 2, 3, 1).reshape(-1, c) - saved["lm"]) / saved["ls"]
        cs = ((ctx - saved["cm"]) / saved["cs"]).repeat_interleave(h * w, 0)
        with torch.no_grad():
            delta = head(xs, cs).reshape(b, h, w, 2).permute(0, 3, 1, 2)
        delta = F.interpolate(delta, size=out.ab.shape[-2:], mode="bilinear", align_corners=False)
        delta = delta * (hint_counts > 0).view(-1, 1, 1, 1).float()
        return NetworkOutput((out.ab + delta).clamp(-110, 110), out.logits)

    Network.forward = forward  # type: ignore[method-assign]
sys.argv = ["ideepcolor", *sys.argv[2:]]
cli.main()
