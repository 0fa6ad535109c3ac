#!/usr/bin/python3
"""Checks prune.py on the committed network:
1. cut to its own width it is the same network (outputs equal to the bit);
2. where a quarter of the channels of every feature map are dead (their filters and
   biases zeroed, so they carry 0 after the ReLU), the cut to base 12 keeps exactly the
   live ones, and the narrow network computes what the wide one does.
Prints "prune ok" on success."""
import os, sys
import torch

sys.path.insert(0, os.path.dirname(__file__))
from unet import StarUNet, add_psf_input
from prune import prune

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ck = torch.load(os.path.join(HERE, "checkpoint.pt"), map_location="cpu")
    wide = add_psf_input(ck.get("ema", ck["model"]))
    torch.manual_seed(3)
    x = torch.rand(2, 4, 64, 64)
    x[:, 3] = 0

    def run(state, base):
        m = StarUNet(base).eval()
        m.load_state_dict(add_psf_input(state))
        with torch.no_grad():
            return m(x)

    same = run(prune(wide, 16), 16)
    assert torch.equal(same, run(wide, 16)), "the cut to the same width changed the network"

    # A quarter of each feature map's channels dead, at other places in every map.
    dead = {k: v.clone() for k, v in wide.items()}
    g = torch.Generator().manual_seed(11)
    for name, n, transposed in [("e1.0", 16, 0), ("e1.2", 16, 0), ("e2.0", 32, 0), ("e2.2", 32, 0), ("e3.0", 64, 0), ("e3.2", 64, 0),
                                ("mid.0", 128, 0), ("mid.2", 128, 0), ("u3", 64, 1), ("d3.0", 64, 0), ("d3.2", 64, 0),
                                ("u2", 32, 1), ("d2.0", 32, 0), ("d2.2", 32, 0), ("u1", 16, 1), ("d1.0", 16, 0), ("d1.2", 16, 0)]:
        off = torch.randperm(n, generator=g)[: n // 4]
        w = dead[f"{name}.weight"]
        if transposed: w[:, off] = 0
        else: w[off] = 0
        dead[f"{name}.bias"][off] = 0
    narrow = run(prune(dead, 12), 12)
    full = run(dead, 16)
    err = (narrow - full).abs().max().item()
    assert err < 1e-5, f"the cut network differs from the wide one by {err}"
    assert sum(p.numel() for p in StarUNet(12).parameters()) < 0.6 * sum(p.numel() for p in StarUNet(16).parameters())
    print(f"prune ok (largest difference {err:.1e})")


if __name__ == "__main__":
    main()
