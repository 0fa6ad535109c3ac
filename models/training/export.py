#!/usr/bin/python3
"""Exports the trained checkpoint to models/starless-v1-float.onnx (opset 17, dynamic N/H/W,
NCHW float32: RGB, then the PSF plane) with the engine's contract in metadata_props,
checks it with onnx.checker, and writes a sample tile with torch's output beside it
(starless-v1-float.check.bin: int32 n, input channels, h, w; the input; the 3-channel
output) so the test suite can compare our ONNX Runtime engine with torch.
The network StarPlugin runs by default is the 8-bit copy of this export that
quantize.py writes (models/starless-v1.onnx); this one is its reference.
A network whose PSF weights are all zero (the RGB-only network, widened) exports
without the PSF plane: the engine would measure the PSF for nothing."""
import os, struct, sys
import numpy as np
import torch
import onnx

sys.path.insert(0, os.path.dirname(__file__))
from unet import StarUNet, add_psf_input
from pairs import PairStream, PSF_SCALE

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)


def main():
    ckpt_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "checkpoint.pt")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(MODELS, "starless-v1-float.onnx")
    ck = torch.load(ckpt_path, map_location="cpu")
    # The weights' moving average when the checkpoint has one (see train.py).
    state = add_psf_input(ck.get("ema", ck["model"]))
    psf = bool(state["e1.0.weight"][:, 12:].abs().max() > 0)
    if not psf:
        state = dict(state, **{"e1.0.weight": state["e1.0.weight"][:, :12]})
    model = StarUNet(ck.get("base", 16), psf=psf).eval()
    model.load_state_dict(state)
    dummy = torch.zeros(1, 4 if psf else 3, 64, 64)
    tmp = out + ".tmp"
    torch.onnx.export(model, dummy, tmp, opset_version=17, input_names=["image"], output_names=["stars"],
                      dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}, "stars": {0: "n", 2: "h", 3: "w"}})
    m = onnx.load(tmp)
    meta = {
        "starplugin.name": "starless-v1", "starplugin.channels": "3", "starplugin.input_layout": "nchw",
        "starplugin.output_layout": "nchw", "starplugin.input_scale": "1", "starplugin.predicts": "stars",
        "starplugin.size_multiple": "16", "starplugin.tile": "256", "starplugin.overlap": "32", "starplugin.max_batch": "16",
        "starplugin.training_steps": str(ck["step"]), "starplugin.license": "MIT",
    }
    if psf:
        meta["starplugin.psf_plane_scale"] = repr(1 / PSF_SCALE)
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add(); p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, out)
    # A held-out sample tile and torch's prediction, for the engine-vs-torch test.
    stream = PairStream(64, 900_000_123, count=1, reuse=1)
    x, _, _, p = stream.batch(1, np.random.default_rng(0)); stream.close()
    if psf:
        x = torch.cat([x, p], 1)
    with torch.no_grad():
        y = model(x).numpy().astype("<f4")
    with open(os.path.splitext(out)[0] + ".check.bin", "wb") as f:
        f.write(struct.pack("<iiii", *x.shape))
        f.write(x.numpy().astype("<f4").tobytes()); f.write(y.tobytes())
    print(f"{out}: {os.path.getsize(out)} bytes, step {ck['step']}, {'with' if psf else 'without'} the PSF plane")


if __name__ == "__main__":
    main()
