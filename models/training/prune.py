#!/usr/bin/python3
"""Cuts a trained StarUNet down to a narrower one (fewer channels at every level) as the
warm start of a cheaper network: the network is most of the pipeline's CPU, and its
multiply-adds go with the square of the width. Measured through ONNX Runtime, base 8
runs in about two thirds of base 16's time; base 12 is no faster (channels are blocked
by 8 and 16), so BASE=8 is the one to train.

  prune.py CHECKPOINT BASE OUT.pt

Per feature map, the channels whose filters have the largest L1 norm stay; each
convolution keeps the rows of its kept outputs and the columns of its kept inputs
(a skip connection's concatenation keeps both parts' choices). The result is a
checkpoint train.py resumes from (--base BASE, a fresh optimizer), at the same step
and generator seed, so the fine-tune continues the data stream where the wide
network's training left it."""
import os, sys
import torch

sys.path.insert(0, os.path.dirname(__file__))
from unet import StarUNet, add_psf_input


def keep(weight, n, transposed=False):
    """The n output channels with the largest L1 norm, in their original order."""
    w = weight.transpose(0, 1) if transposed else weight
    norms = w.abs().flatten(1).sum(1)
    return torch.sort(torch.topk(norms, n).indices).values


def prune(state, base):
    s = {k: v.clone() for k, v in state.items()}
    out = {}

    def conv(name, ins, outs):
        """A convolution (weight [out, in, k, k]) cut to outs × ins."""
        out[f"{name}.weight"] = s[f"{name}.weight"][outs][:, ins].contiguous()
        out[f"{name}.bias"] = s[f"{name}.bias"][outs].contiguous()

    def convT(name, ins, outs):
        """A transposed convolution (weight [in, out, k, k]) cut to ins × outs."""
        out[f"{name}.weight"] = s[f"{name}.weight"][ins][:, outs].contiguous()
        out[f"{name}.bias"] = s[f"{name}.bias"][outs].contiguous()

    def block(name, ins, width):
        """A two-convolution block; returns the kept channels of its output."""
        a = keep(s[f"{name}.0.weight"], width)
        conv(f"{name}.0", ins, a)
        b = keep(s[f"{name}.2.weight"][:, a], width)
        conv(f"{name}.2", a, b)
        return b

    old = s["e1.2.weight"].shape[0]  # the wide network's base
    rgb = torch.arange(s["e1.0.weight"].shape[1])
    e1 = block("e1", rgb, base)
    e2 = block("e2", e1, 2 * base)
    e3 = block("e3", e2, 4 * base)
    mid = block("mid", e3, 8 * base)
    u3 = keep(s["u3.weight"][mid], 4 * base, transposed=True)
    convT("u3", mid, u3)
    d3 = block("d3", torch.cat([u3, 4 * old + e3]), 4 * base)
    u2 = keep(s["u2.weight"][d3], 2 * base, transposed=True)
    convT("u2", d3, u2)
    d2 = block("d2", torch.cat([u2, 2 * old + e2]), 2 * base)
    u1 = keep(s["u1.weight"][d2], base, transposed=True)
    convT("u1", d2, u1)
    d1 = block("d1", torch.cat([u1, old + e1]), base)
    out["out.weight"] = s["out.weight"][:, d1].contiguous()
    out["out.bias"] = s["out.bias"].clone()
    return out


def main():
    src, base, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ck = torch.load(src, map_location="cpu")
    state = prune(ck.get("ema", ck["model"]), base)
    model = StarUNet(base)
    model.load_state_dict(add_psf_input(state))  # the shapes are the narrow network's
    opt = torch.optim.Adam(model.parameters())
    torch.save({"model": model.state_dict(), "ema": model.state_dict(), "opt": opt.state_dict(),
                "step": ck["step"], "seed": ck["seed"], "base": base, "log": ck.get("log", [])}, dst)
    print(f"{dst}: base {base}, {sum(p.numel() for p in model.parameters())} parameters, from step {ck['step']}")


if __name__ == "__main__":
    main()
