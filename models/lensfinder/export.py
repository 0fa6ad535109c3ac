#!/usr/bin/python3
"""Exports a lens-finder checkpoint to ONNX (opset 13, NCHW float32 [N, 3, 101, 101] in,
P(lens) [N, 1] out) with the engine's contract in metadata_props (starplugin.task,
input, cutout_size, band_order) and the measured figures the checkpoint carries, and
checks it with onnx.checker.

    export.py CHECKPOINT.pt OUT.onnx [--random WIDTH]   (--random: untrained weights, for speed tests)
"""
import argparse, json, os, sys
import torch
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net import LensNet, Scored

INPUT_SCHEME = "asinh-sky-mad-v1"  # LensFinder.InputScheme: the normalisation LensInput.Fill implements


def export(net, out, size=101, extra=None):
    model = Scored(net).eval()
    tmp = out + ".tmp"
    torch.onnx.export(model, torch.zeros(2, 3, size, size), tmp, opset_version=13, input_names=["cutouts"], output_names=["p_lens"],
                      dynamic_axes={"cutouts": {0: "n"}, "p_lens": {0: "n"}}, do_constant_folding=True)
    m = onnx.load(tmp)
    meta = {"starplugin.task": "lens-finder", "starplugin.input": INPUT_SCHEME, "starplugin.cutout_size": str(size),
            "starplugin.band_order": "g,r,z", "starplugin.output": "probability", "starplugin.license": "MIT"}
    meta.update({"starplugin." + k: str(v) for k, v in (extra or {}).items()})
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add(); p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, out)
    return meta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--random", type=int, default=0, help="export untrained weights of this width (speed tests)")
    a = ap.parse_args()
    torch.manual_seed(0)
    if a.random:
        net, extra = LensNet(a.random), {"name": f"lensfinder-random-w{a.random}"}
    else:
        ck = torch.load(a.checkpoint, map_location="cpu")
        net = LensNet(ck["width"])
        net.load_state_dict(ck["best"] or ck["model"])  # the epoch with the best validation AUC
        extra = {"name": os.path.splitext(os.path.basename(a.out))[0], "width": ck["width"], "epochs_trained": ck["epoch"], "seed": ck["seed"]}
        extra.update(ck.get("figures", {}))
    meta = export(net.eval(), a.out, extra=extra)
    print(f"{a.out}: {os.path.getsize(a.out)} bytes; " + json.dumps({k[11:]: v for k, v in meta.items()}))


if __name__ == "__main__":
    main()
