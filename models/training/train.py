#!/usr/bin/python3
"""Trains the StarPlugin star remover from synthetic pairs; resumes from the committed
checkpoint. The same script uses a CUDA GPU when one is present.

  models/training/train.py [--minutes M] [--steps N] [--smoke] [--checkpoint PATH]

Loss: L1 on the star layer, plus a term on star pixels (residual stars), a term
off the stars (any change to the sky) and a term on galaxy pixels (galaxies erased as
stars). The checkpoint holds model, optimiser,
step and the generator seed reached, so a stopped run continues exactly there.
It also holds an exponential moving average of the weights (--ema), which export.py
ships: at a fine-tune's learning rate, checkpoints minutes apart differed by 7 points
of galaxy light kept and 3 dB on a benchmark field; the average does not swing.
"""
import argparse, copy, math, os, signal, sys, time
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from unet import StarUNet, add_psf_input
from pairs import PairStream

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CKPT = os.path.join(HERE, "checkpoint.pt")
TRAIN_SEED0 = 1_000_000      # training pairs: seeds from here up
HELDOUT_SEED0 = 900_000_000  # held-out pairs never used in training


def noise_sigma(t):
    """Per-sample noise σ of the target, from horizontal pixel differences (robust MAD)."""
    d = (t[:, :, :, 1:] - t[:, :, :, :-1]).abs().flatten(1)
    return (1.4826 / math.sqrt(2)) * d.median(dim=1).values.view(-1, 1, 1, 1)


def loss_fn(pred, true, target, galaxy, galaxy_weight, weight):
    # weight (N,1,H,W): 0 where a real pair's target is unsure (a faint star the cleaning
    # may have left), 1 elsewhere and on every synthetic pair.
    err = (pred - true).abs() * weight
    # Star pixels: where the star layer stands above half the sample's noise σ (at least
    # 0.002). A fixed 0.01 counted faint stars in linear or lightly stretched data as
    # "sky", so the sky term taught the model to leave them: 97% of S/N 10-40 stars
    # survived on the benchmark field.
    star = (true > torch.clamp(0.5 * noise_sigma(target), min=0.002)).float() * weight
    sky = (1 - star) * weight
    on = (err * star).sum() / star.sum().clamp_min(1)
    off = (err * sky).sum() / sky.sum().clamp_min(1)
    # Galaxy pixels off the stars: a small share of the sky, so inside `off` the network's
    # erasing them cost almost nothing and it removed two thirds of the Hubble deep
    # field's light. Their own mean gives them a weight of their own (a weight of 4, the
    # star term's, made the network leave 88 % of the real crop's stars to the cleanup).
    gal = galaxy * sky
    on_gal = (err * gal).sum() / gal.sum().clamp_min(1)
    mean = err.sum() / (weight.sum() * err.shape[1]).clamp_min(1)
    return mean + 4 * on + 1 * off + galaxy_weight * on_gal, on.item(), off.item(), on_gal.item()


def save(path, model, ema, opt, state):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), **state}, tmp)
    os.replace(tmp, path)


def update_ema(ema, model, decay):
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters()):
            e.mul_(decay).add_(p, alpha=1 - decay)


def evaluate(model, device, n=16, size=256, psf_input=True):
    stream = PairStream(size, HELDOUT_SEED0, count=n, reuse=1)
    rng = np.random.default_rng(0)
    psnr_in, psnr_out = [], []
    model.eval()
    with torch.no_grad():
        for _ in range(n):
            x, y, _, p = stream.batch(1, rng)
            x, y, p = x.to(device), y.to(device), p.to(device)
            if not psf_input: p = torch.zeros_like(p)
            starless_true = x - y
            out = x - model(torch.cat([x, p], 1))
            for a, name in [(x, psnr_in), (out, psnr_out)]:
                mse = ((a - starless_true) ** 2).mean().item()
                name.append(10 * math.log10(1 / max(mse, 1e-12)))
    stream.close()
    model.train()
    return float(np.mean(psnr_in)), float(np.mean(psnr_out))


def evaluate_real(model, device, lib_dir, n=24, size=256):
    """PSNR against the background on composite pairs from real pictures the trainer
    never sees (a held-out library), weighted like the loss; and the input's PSNR."""
    from realdata.realpairs import RealPairs
    pairs = RealPairs(lib_dir, size, original_share=0.0)
    rng = np.random.default_rng(12345)
    psnr_in, psnr_out = [], []
    model.eval()
    with torch.no_grad():
        for _ in range(n):
            x, y, w, _ = (torch.from_numpy(a)[None].to(device) for a in pairs.sample(rng))
            pred = model(torch.cat([x, torch.zeros_like(x[:, :1])], 1))
            for est, acc in [(x, psnr_in), (pred, psnr_out)]:
                mse = (((est - y) ** 2) * w).sum() / (w.sum() * 3).clamp_min(1)
                acc.append(10 * math.log10(1 / max(mse.item(), 1e-12)))
    model.train()
    return float(np.mean(psnr_in)), float(np.mean(psnr_out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr", type=float, default=0.0, help="floor of the schedule (default 5%% of --lr); a fine-tune on new data may want more")
    ap.add_argument("--base", type=int, default=16)
    ap.add_argument("--ema", type=float, default=0.999, help="decay of the weights' moving average that is exported (0 = export the raw weights)")
    ap.add_argument("--galaxy-weight", type=float, default=1.0, help="weight of the mean error on galaxy pixels (0 = the loss before galaxy masks)")
    ap.add_argument("--no-psf-input", action="store_true", help="feed zeros for the PSF plane: its weights stay zero, so the export is an RGB-only network (as the shipped one)")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("TRAIN_THREADS", "2")))
    ap.add_argument("--checkpoint", default=DEFAULT_CKPT)
    ap.add_argument("--real-lib", default="", help="library of real pictures (realdata/build_library.py); pairs from it make --real-share of each batch")
    ap.add_argument("--real-share", type=float, default=0.6)
    ap.add_argument("--real-val", default="", help="held-out library of real pictures for evaluation")
    ap.add_argument("--real-galaxy-share", type=float, default=0.0, help="share of the real samples cut around a catalogued galaxy of the library")
    ap.add_argument("--real-clipped-star-share", type=float, default=0.0, help="share of the real samples holding a clipped star of the library to remove")
    ap.add_argument("--real-big-clipped-stars", action="store_true", help="enlarge half the clipped-star composites' stars 1.5-3.5x, centred")
    ap.add_argument("--real-enlarge-share", type=float, default=0.0, help="share of the real samples cut smaller and enlarged 1.5-3.5x with grain of their own (oversampled pictures' wide stars)")
    ap.add_argument("--teacher", default="", help="a trained checkpoint whose star layer the network also learns (distillation: a narrower network's fine-tune)")
    ap.add_argument("--distill", type=float, default=0.5, help="share of the loss that is the teacher's star layer as the target (with --teacher)")
    ap.add_argument("--smoke", action="store_true", help="two steps, tiny batch, checkpoint to a temp file (CI)")
    a = ap.parse_args()
    if a.smoke:
        a.steps, a.batch, a.size = 2, 2, 64
        a.checkpoint = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"starplugin-smoke-{os.getpid()}.pt")
    torch.manual_seed(1234)
    torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = StarUNet(a.base).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    state = {"step": 0, "seed": TRAIN_SEED0, "base": a.base, "log": []}
    ema = copy.deepcopy(model)
    if os.path.exists(a.checkpoint) and not a.smoke:
        ck = torch.load(a.checkpoint, map_location=device)
        model.load_state_dict(add_psf_input(ck["model"]))
        # Checkpoints from before the average start it at their weights.
        ema.load_state_dict(add_psf_input(ck.get("ema", ck["model"])))
        first = ck["opt"]["state"].get(0)
        if first is not None and first["exp_avg"].shape != model.e1[0].weight.shape:
            # Adam's moments for the widened first convolution: zeros for the new inputs.
            for k in ("exp_avg", "exp_avg_sq"):
                first[k] = add_psf_input({"e1.0.weight": first[k]})["e1.0.weight"]
        opt.load_state_dict(ck["opt"])
        state = {k: ck[k] for k in ("step", "seed", "base", "log")}
        print(f"resumed at step {state['step']}, generator seed {state['seed']}", flush=True)
    teacher = None
    if a.teacher:
        tk = torch.load(a.teacher, map_location=device)
        teacher = StarUNet(tk.get("base", 16)).to(device).eval()
        teacher.load_state_dict(add_psf_input(tk.get("ema", tk["model"])))
        for p in teacher.parameters(): p.requires_grad_(False)
        print(f"teacher {a.teacher} (step {tk['step']}, base {tk.get('base', 16)}), distillation share {a.distill}", flush=True)
    params = sum(p.numel() for p in model.parameters())
    print(f"device {device}, {params} parameters, batch {a.batch} of {a.size}²", flush=True)
    n_real = int(round(a.real_share * a.batch)) if a.real_lib else 0
    real = None
    if n_real:
        from realdata.realpairs import RealPairs
        real = RealPairs(a.real_lib, a.size, galaxy_share=a.real_galaxy_share,
                         clipped_star_share=a.real_clipped_star_share, big_clipped_stars=a.real_big_clipped_stars,
                         enlarge_share=a.real_enlarge_share)
        print(f"real pictures: {len(real.lib.items)}, {n_real} of {a.batch} samples per batch", flush=True)
    stream = PairStream(a.size, state["seed"])
    rng = np.random.default_rng(state["step"])
    t_end = time.time() + a.minutes * 60
    # SIGTERM/SIGINT end the run after the current step, with a checkpoint, instead of
    # losing the steps since the last periodic save.
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    t0, last_save, steps_here = time.time(), time.time(), 0
    try:
        while True:
            if a.steps and steps_here >= a.steps: break
            if not a.steps and time.time() > t_end: break
            if stop: print("stopping on signal", flush=True); break
            x, y, gmask, psf = stream.batch(a.batch - n_real, rng)
            wmap = torch.ones_like(gmask)
            enlarged = [False] * (a.batch - n_real)
            if n_real:
                drawn = []
                for _ in range(n_real):
                    drawn.append(real.sample(rng)); enlarged.append(real.last_enlarged)
                rx, ry, rw, rg = (torch.from_numpy(np.stack(v)) for v in zip(*drawn))
                x, y, wmap = torch.cat([x, rx]), torch.cat([y, ry]), torch.cat([wmap, rw])
                gmask, psf = torch.cat([gmask, rg]), torch.cat([psf, torch.zeros_like(rw)])
            x, y, gmask, psf, wmap = x.to(device), y.to(device), gmask.to(device), psf.to(device), wmap.to(device)
            if a.no_psf_input: psf = torch.zeros_like(psf)
            # Cosine decay over a nominal 20k steps, then a floor: long runs keep improving slowly.
            lr = max(a.min_lr or 0.05 * a.lr, a.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, state["step"] / 20000))))
            for g in opt.param_groups: g["lr"] = lr
            pred = model(torch.cat([x, psf], 1))
            loss, on, off, on_gal = loss_fn(pred, y, x - y, gmask, a.galaxy_weight, wmap)
            if teacher is not None:
                # The teacher's star layer as a second target, everywhere (it has no unsure
                # pixels): dense and consistent where the library's targets are not.
                with torch.no_grad(): taught = teacher(torch.cat([x, psf], 1))
                # Not on enlarged samples: the teacher never saw stars that wide and keeps them.
                taught_here = torch.tensor([0.0 if e else 1.0 for e in enlarged], device=device).view(-1, 1, 1, 1)
                distilled, _, _, _ = loss_fn(pred, taught, x - taught, gmask, a.galaxy_weight, torch.ones_like(wmap) * taught_here)
                loss = (1 - a.distill) * loss + a.distill * distilled
            opt.zero_grad(); loss.backward(); opt.step()
            update_ema(ema, model, a.ema)
            state["step"] += 1; steps_here += 1
            if state["step"] % 50 == 0:
                rate = steps_here * a.batch / (time.time() - t0)
                print(f"step {state['step']} loss {loss.item():.5f} star {on:.4f} off {off:.5f} galaxy {on_gal:.5f} lr {lr:.2e} {rate:.1f} samples/s", flush=True)
            if time.time() - last_save > 300:
                state["seed"] += stream.consumed; stream.consumed = 0
                save(a.checkpoint, model, ema, opt, state); last_save = time.time()
    finally:
        state["seed"] += stream.consumed
        stream.close()
    if not a.smoke:
        pin, pout = evaluate(ema, device, psf_input=not a.no_psf_input)
        entry = {"step": state["step"], "psnr_input": pin, "psnr_output": pout, "time": time.time()}
        print(f"held-out PSNR: input {pin:.2f} dB, output {pout:.2f} dB", flush=True)
        if a.real_val:
            rin, rout = evaluate_real(ema, device, a.real_val)
            entry.update(real_psnr_input=rin, real_psnr_output=rout)
            print(f"held-out real pictures PSNR: input {rin:.2f} dB, output {rout:.2f} dB", flush=True)
        state["log"].append(entry)
    save(a.checkpoint, model, ema, opt, state)
    if a.smoke:
        os.remove(a.checkpoint)
        print("smoke training ok", flush=True)


if __name__ == "__main__":
    main()
