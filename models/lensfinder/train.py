#!/usr/bin/python3
"""Trains the lens finder (net.LensNet) on sets built by sets.sh (`starplugin lens
trainset`: model inputs already prepared by LensInput, float16, with labels.csv).

Reproducible: every random choice comes from --seed (weights, the order of each epoch,
the flips and turns of each batch), and the sets themselves from their own seeds.
Resumable: the checkpoint (model, optimiser, epoch, batch within the epoch, best
weights so far) is written atomically every --save-every batches and at each epoch's
end; rerunning the same command continues where it stopped, and gives the same
weights as an unbroken run. The weights of the epoch with the best validation AUC are
what export.py ships.

    train.py --train runs/sets/train --val runs/sets/val --checkpoint checkpoint.pt [--epochs 16] [--threads 2]
"""
import argparse, csv, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net import LensNet

SIZE = 101


def load_set(d):
    with open(os.path.join(d, "labels.csv")) as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(r["label"]) for r in rows], np.float32)
    x = np.memmap(os.path.join(d, "x.f16"), dtype="<f2", mode="r", shape=(len(rows), 3, SIZE, SIZE))
    return x, y, rows


def roc_auc(scores, labels):
    """Area under the ROC curve by ranks (ties averaged)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores)); ranks[order] = np.arange(1, len(scores) + 1)
    s = np.asarray(scores)[order]
    i = 0
    while i < len(s):  # average ranks of ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        if j > i:
            ranks[order[i:j + 1]] = (i + j + 2) / 2
        i = j + 1
    pos = labels == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def recall_at_fpr(scores, labels, fpr):
    """Recall at the threshold that lets through at most this share of negatives, and that threshold."""
    neg = np.sort(scores[labels == 0])[::-1]
    k = int(np.floor(fpr * len(neg)))
    thr = neg[k] if k < len(neg) else -np.inf  # scores strictly above the (k+1)-th highest negative
    return float((scores[labels == 1] > thr).mean()), float(thr)


def dihedral(x, g):
    """Each cutout turned and mirrored at random (8 ways): a lens has no preferred orientation."""
    k = torch.randint(0, 4, (x.shape[0],), generator=g)
    m = torch.randint(0, 2, (x.shape[0],), generator=g).bool()
    out = torch.empty_like(x)
    for t in range(4):
        for mirror in (False, True):
            sel = (k == t) & (m == mirror)
            if sel.any():
                v = x[sel]
                if mirror:
                    v = v.flip(3)
                out[sel] = torch.rot90(v, t, (2, 3))
    return out


@torch.no_grad()
def predict(net, x, batch=256):
    net.eval()
    out = []
    for i in range(0, len(x), batch):
        out.append(net(torch.from_numpy(np.asarray(x[i:i + batch], np.float32))).numpy())
    return np.concatenate(out)


def save(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--width", type=int, default=12)
    ap.add_argument("--subset", type=int, default=0, help="use only the first N examples of each set (smoke tests)")
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=100)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)

    xt, yt, _ = load_set(a.train)
    xv, yv, _ = load_set(a.val)
    if a.subset:
        xt, yt, xv, yv = xt[:a.subset], yt[:a.subset], xv[:a.subset], yv[:a.subset]
    net = LensNet(a.width)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    steps_per_epoch = len(yt) // a.batch
    total = steps_per_epoch * a.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.1)
    state = {"epoch": 0, "batch": 0, "best_auc": -1.0, "best": None, "history": [], "seed": a.seed, "width": a.width}
    if os.path.exists(a.checkpoint):
        ck = torch.load(a.checkpoint, map_location="cpu")
        if ck["width"] != a.width or ck["seed"] != a.seed:
            sys.exit(f"{a.checkpoint}: made with width {ck['width']} seed {ck['seed']}; move it away to start again")
        net.load_state_dict(ck["model"]); opt.load_state_dict(ck["optimizer"]); sched.load_state_dict(ck["scheduler"])
        state.update({k: ck[k] for k in ("epoch", "batch", "best_auc", "best", "history")})
        if "figures" in ck:
            state["figures"] = ck["figures"]
        print(f"resumed at epoch {state['epoch']} batch {state['batch']}", flush=True)

    def checkpoint():
        save(a.checkpoint, dict(state, model=net.state_dict(), optimizer=opt.state_dict(), scheduler=sched.state_dict()))

    while state["epoch"] < a.epochs:
        ep = state["epoch"]
        g = torch.Generator().manual_seed(a.seed * 1000 + ep)  # this epoch's order and augmentations, whatever batch it resumes at
        perm = torch.randperm(len(yt), generator=g)
        augment = [torch.Generator().manual_seed(a.seed * 1000 + ep * 100000 + b) for b in range(steps_per_epoch)]
        net.train()
        t0, losses = time.time(), []
        for b in range(state["batch"], steps_per_epoch):
            idx = np.sort(perm[b * a.batch:(b + 1) * a.batch].numpy())
            x = dihedral(torch.from_numpy(np.asarray(xt[idx], np.float32)), augment[b])
            y = torch.from_numpy(yt[idx])
            loss = F.binary_cross_entropy_with_logits(net(x), y)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            losses.append(loss.item())
            state["batch"] = b + 1
            if (b + 1) % a.save_every == 0:
                checkpoint()
                print(f"epoch {ep} batch {b + 1}/{steps_per_epoch} loss {np.mean(losses[-a.save_every:]):.4f} {time.time() - t0:.0f}s", flush=True)
        pv = predict(net, xv)
        auc = roc_auc(pv, yv)
        rec1, thr1 = recall_at_fpr(pv, yv, 0.01)
        state["history"].append({"epoch": ep, "loss": float(np.mean(losses)) if losses else None, "val_auc": auc, "val_recall_at_1pct_fpr": rec1})
        if auc > state["best_auc"]:
            state["best_auc"] = auc
            state["best"] = {k: v.clone() for k, v in net.state_dict().items()}
            state["figures"] = {"val_auc": f"{auc:.4f}", "val_recall_at_1pct_fpr": f"{rec1:.4f}",
                                "val_threshold_1pct_fpr": f"{1 / (1 + np.exp(-thr1)):.6f}", "best_epoch": str(ep)}
        print(f"epoch {ep} done: loss {state['history'][-1]['loss']:.4f} val AUC {auc:.4f} recall@1%FPR {rec1:.3f} ({time.time() - t0:.0f}s)", flush=True)
        state["epoch"], state["batch"] = ep + 1, 0
        checkpoint()
    print("finished; best val AUC", state["best_auc"], flush=True)


if __name__ == "__main__":
    main()
