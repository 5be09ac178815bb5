"""Drag-path candidates for issue 34: the fast network's forward at drag sides in torch fp32 and
bf16, ONNX Runtime fp32 and int8 (static QDQ, per-channel weights, calibrated on 16 dev-eval
photos), each with the PSNR of its ab against torch fp32 on 8 other photos (range 200 ab units).

ONNX Runtime is not a dependency of the app; install it beside the project to run this:

    pip install --target /tmp/ortpkgs onnxruntime onnx onnxscript
    PYTHONPATH=/tmp/ortpkgs python docs/recipes/drag_candidates.py ../shared/datasets/dev-eval

The model runs without hint counts (the calibrated correction share uses ``searchsorted``, which
the ONNX exporter lacks); the timing is the same.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import load_photo


class Forward(torch.nn.Module):
    """The network as a plain function of its input, for the exporter."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.model(x)
        return out.ab, out.logits


def median_ms(run: Callable[[torch.Tensor], Any], x: torch.Tensor, repeats: int = 15) -> float:
    run(x)
    run(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(200**2 / float(((a - b) ** 2).mean())))


def main() -> None:
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    torch.set_num_threads(2)
    files = sorted(Path(sys.argv[1]).glob("*.jpg"))
    engine = ColorizationEngine.from_weights(None, "cpu", precision="fp32")
    network = engine.interactive
    forward = Forward(network.model.float().eval()).eval()

    def inputs(side: int, photos: list[Path]) -> list[torch.Tensor]:
        encoded = []
        for file in photos:
            lightness = engine.set_photo(load_photo(file)).network_lightness(side)
            encoded.append(network.encode(lightness, HintBatch.empty(device=lightness.device)))
        return encoded

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    folder = Path(tempfile.mkdtemp())
    print("| side | torch fp32 ms | torch bf16 ms (PSNR) | ONNX Runtime fp32 ms (PSNR) | ONNX Runtime int8 ms (PSNR) |")
    print("|---|---|---|---|---|")
    for side in (256, 192, 160, 128):
        test, calibration = inputs(side, files[100:108]), inputs(side, files[:16])
        with torch.inference_mode():
            reference = [forward(x)[0].numpy() for x in test]
            fp32 = median_ms(forward, test[0])
            with torch.autocast("cpu", torch.bfloat16):
                bf16 = median_ms(forward, test[0])
                shown = [forward(x)[0].float().numpy() for x in test]
                bf16_psnr = np.mean([psnr(a, r) for a, r in zip(shown, reference, strict=True)])
        model = folder / f"fast{side}.onnx"
        names = {"input_names": ["x"], "output_names": ["ab", "logits"]}
        torch.onnx.export(forward, (test[0],), str(model), dynamo=False, **names)  # type: ignore[arg-type]

        class Calibration(CalibrationDataReader):
            def __init__(self, batches: list[torch.Tensor]) -> None:
                self.batches = iter([{"x": x.numpy()} for x in batches])

            def get_next(self) -> dict[str, np.ndarray] | None:
                return next(self.batches, None)

        quantised = folder / f"fast{side}.int8.onnx"
        quantize_static(
            str(model),
            str(quantised),
            Calibration(calibration),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )
        cells = [f"| {side} | {fp32:.1f} | {bf16:.1f} ({bf16_psnr:.1f} dB)"]
        for path in (model, quantised):
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

            def run(x: torch.Tensor, session: Any = session) -> Any:
                return session.run(None, {"x": x.numpy()})

            quality = np.mean([psnr(run(x)[0], r) for x, r in zip(test, reference, strict=True)])
            cells.append(f"{median_ms(run, test[0]):.1f} ({quality:.1f} dB)")
        print(" | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
