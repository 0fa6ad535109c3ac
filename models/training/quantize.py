#!/usr/bin/python3
"""Writes the 8-bit network StarPlugin ships (models/starless-v1.onnx) from the float
export (models/starless-v1-float.onnx): QDQ ONNX, which ONNX Runtime fuses into
integer convolutions (DequantizeLinear → Conv → Relu → QuantizeLinear as one).

  quantize.py CHECKPOINT FLOAT.onnx OUT.onnx CALIBRATION_DIR [--exclude-dir=DIR]
              [--percentile=P] [--crops=N] [--weight-bits=B] [--only=BLOCKS|all]

CALIBRATION_DIR holds pictures (PNG/JPEG) in the model's domain (stretched, 8-bit):
the activations' ranges are measured on random 256 px crops of them with torch, the
checkpoint being the one FLOAT.onnx was exported from (checked weight by weight).
--exclude-dir leaves out the pictures named as in DIR (the shipped model: the
training library's pictures less the 49 the real-image bench judges it on).
What stays float, and why (measured: model card, Architecture):
- the first convolution's input (the picture): a 16-bit or linear picture's faint
  sky would be rounded to 1/255 of the range;
- the half-resolution decoder (u1's output, d1's convolutions): u1's output spans
  -86..127 where the skip it is concatenated with spans 0..11, and one scale for both
  moved 6-12 % of the output pixels by over 2 levels; float there, 0.03-0.3 % (the
  network alone, five dev pictures, against the float export);
- the last convolution (its output is the star layer itself, subtracted from the
  picture at full precision).
--only lists the blocks whose convolutions are integer (default DEFAULT_BLOCKS below;
u1 there quantizes its input, d2's output, so that d2's last convolution is integer).
Weights symmetric, one scale per output channel, 7 bits by default: with 8, a pair of
products can pass 32767 in the VPMADDUBSW that ONNX Runtime's x86 kernels use on CPUs
without VNNI and saturate there (on VNNI CPUs it would not): 7 bits give the same
results on every x86 CPU. Activations uint8 (from 0 after ReLU; the upsampling
convolutions' outputs asymmetric), at the given percentile of the calibration values."""
import glob, os, sys
import numpy as np
import torch
import onnx
from onnx import helper, numpy_helper, TensorProto
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from unet import StarUNet, add_psf_input


def load_torch(ckpt_path):
    ck = torch.load(ckpt_path, map_location="cpu")
    state = add_psf_input(ck.get("ema", ck["model"]))
    psf = bool(state["e1.0.weight"][:, 12:].abs().max() > 0)
    if psf:
        raise SystemExit("quantize.py: the PSF-plane network is not supported (its plane is not a picture)")
    state = dict(state, **{"e1.0.weight": state["e1.0.weight"][:, :12]})
    model = StarUNet(ck.get("base", 16), psf=False).eval()
    model.load_state_dict(state)
    return model


# ONNX tensor name -> how to observe it in torch (module path, "out") and what it follows.
def observed_tensors():
    t = {}
    for blk in ("e1", "e2", "e3", "mid", "d3", "d2", "d1"):
        for i in (1, 3):
            t[f"/{blk}/{blk}.{i}/Relu_output_0"] = (f"{blk}.{i}", True)
    for u in ("u3", "u2", "u1"):
        t[f"/{u}/ConvTranspose_output_0"] = (u, False)
    return t


def calibrate(model, pictures, crops, rng, percentile):
    names = observed_tensors()
    samples = {n: [] for n in names}
    lo = {n: 0.0 for n in names}
    modules = dict(model.named_modules())
    hooks = []
    for n, (path, _) in names.items():
        def hook(_m, _i, out, n=n):
            v = out.detach().flatten().numpy()
            samples[n].append(rng.choice(v, min(v.size, 50_000), replace=False))
            lo[n] = min(lo[n], float(v.min()))
        hooks.append(modules[path].register_forward_hook(hook))
    done = 0
    with torch.no_grad():
        for p in pictures:
            with Image.open(p) as im:
                a = np.asarray(im.convert("RGB"), dtype=np.float32) / 255
            h, w = a.shape[:2]
            if h < 256 or w < 256:
                continue
            for _ in range(crops):
                y, x = rng.integers(0, h - 255), rng.integers(0, w - 255)
                model(torch.from_numpy(a[y:y + 256, x:x + 256].transpose(2, 0, 1).copy())[None])
            done += 1
    for hk in hooks:
        hk.remove()
    if done == 0:
        raise SystemExit("quantize.py: no calibration picture of 256 px or more")
    ranges = {}
    for n, (_, relu) in names.items():
        v = np.concatenate(samples[n])
        hi = float(np.percentile(v, percentile))
        ranges[n] = (0.0 if relu else min(lo[n], float(np.percentile(v, 100 - percentile))), max(hi, 1e-6))
    return ranges, done


def transposed_as_depth_to_space(g, init):
    """Rewrites each 2×2, stride-2 transposed convolution as a 1×1 convolution to 4× the
    channels and a DepthToSpace: the same sums (its 2×2 outputs never overlap), but an
    operator ONNX Runtime runs in 8 bits (it has no integer transposed convolution; in
    float it sat between layout changes). Returns {old output: the 1×1 output}."""
    pre = {}
    nodes = []
    for n in g.node:
        if n.op_type != "ConvTranspose":
            nodes.append(n)
            continue
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        w = numpy_helper.to_array(init[n.input[1]])
        if list(a.get("strides", [])) != [2, 2] or w.shape[2:] != (2, 2) or any(a.get("pads", [0])) or a.get("group", 1) != 1:
            raise SystemExit(f"quantize.py: {n.name} is not a plain 2x2 stride-2 transposed convolution")
        ci, co = w.shape[:2]
        b = numpy_helper.to_array(init[n.input[2]])
        w1 = w.transpose(1, 2, 3, 0).reshape(co * 4, ci)[:, :, None, None].copy()
        b1 = np.repeat(b, 4)
        wn, bn, mid = n.input[1] + "_1x1", n.input[2] + "_1x1", n.output[0] + "_1x1"
        init[wn], init[bn] = numpy_helper.from_array(w1, wn), numpy_helper.from_array(b1, bn)
        g.initializer.extend([init[wn], init[bn]])
        nodes.append(helper.make_node("Conv", [n.input[0], wn, bn], [mid], name=n.name + "_1x1", kernel_shape=[1, 1]))
        nodes.append(helper.make_node("DepthToSpace", [mid], [n.output[0]], name=n.name + "_d2s", blocksize=2, mode="CRD"))
        pre[n.output[0]] = mid
    del g.node[:]
    g.node.extend(nodes)
    return pre


DEFAULT_BLOCKS = "e1,e2,e3,mid,d3,d2,u3,u2,u1"


def u8_params(lo, hi):
    scale = (hi - lo) / 255
    zp = int(np.clip(round(-lo / scale), 0, 255))
    return np.float32(scale), np.uint8(zp)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    if len(args) != 4:
        raise SystemExit(__doc__)
    ckpt, src, out, cal_dir = args
    percentile = float(opts.get("percentile", "99.999"))
    weight_max = 2 ** (int(opts.get("weight-bits", "7")) - 1) - 1
    crops = int(opts.get("crops", "4"))
    rng = np.random.default_rng(1)
    model = load_torch(ckpt)
    m = onnx.load(src)
    g = m.graph
    init = {t.name: t for t in g.initializer}
    # The ONNX file must be this checkpoint's export: compare every weight.
    sd = model.state_dict()
    for k, v in sd.items():
        if k not in init or not np.array_equal(numpy_helper.to_array(init[k]), v.numpy()):
            raise SystemExit(f"quantize.py: {src} is not the export of {ckpt} ({k} differs)")
    pics = sorted(p for p in glob.glob(os.path.join(cal_dir, "*")) if p.lower().endswith((".png", ".jpg", ".jpeg")))
    if "exclude-dir" in opts:
        held = set(os.listdir(opts["exclude-dir"]))
        pics = [p for p in pics if os.path.basename(p) not in held]
    ranges, used = calibrate(model, pics, crops, rng, percentile)

    for after_d2s, before in transposed_as_depth_to_space(g, init).items():
        ranges[before] = ranges[after_d2s]  # the same values, before DepthToSpace moves them
    # The max-pools and concatenations pass their inputs' ranges on.
    producer = {o: n for n in g.node for o in n.output}
    for n in g.node:
        if n.op_type == "MaxPool" and n.input[0] in ranges:
            ranges[n.output[0]] = ranges[n.input[0]]
    for n in g.node:
        if n.op_type == "Concat" and all(i in ranges for i in n.input):
            ranges[n.output[0]] = (min(ranges[i][0] for i in n.input), max(ranges[i][1] for i in n.input))

    # --only=e1,e2,...: quantize only these blocks' convolutions (u2: the upsampling into
    # level 2), and the tensors that feed them (through max-pools, concatenations and
    # DepthToSpace, whose inputs must share the quantization to stay integer).
    if opts.get("only", DEFAULT_BLOCKS) != "all":
        blocks = opts.get("only", DEFAULT_BLOCKS).split(",")
        convs = [n for n in g.node if n.op_type == "Conv" and n.input[1] != "out.weight"
                 and n.input[1].split(".")[0].split("_")[0] in blocks]
        want = {n.input[0] for n in convs}
        grew = True
        while grew:
            grew = False
            for n in g.node:
                if n.op_type in ("MaxPool", "Concat", "DepthToSpace") and n.output[0] in want:
                    for i in n.input:
                        if i not in want:
                            want.add(i); grew = True
        ranges = {k: v for k, v in ranges.items() if k in want}
    new_init, new_nodes = [], []
    qparams = {}
    for name, (lo, hi) in ranges.items():
        s, z = u8_params(lo, hi)
        qparams[name] = s
        new_init += [numpy_helper.from_array(np.array(s, np.float32), name + "_scale"),
                     numpy_helper.from_array(np.array(z, np.uint8), name + "_zp")]

    def rename_inputs(old, new):
        for n in g.node:
            for i, x in enumerate(n.input):
                if x == old:
                    n.input[i] = new

    # Q → DQ after every observed tensor; consumers read the DQ output.
    for name in ranges:
        dq = name + "_dq"
        rename_inputs(name, dq)
        new_nodes.append((producer[name], [
            helper.make_node("QuantizeLinear", [name, name + "_scale", name + "_zp"], [name + "_q"]),
            helper.make_node("DequantizeLinear", [name + "_q", name + "_scale", name + "_zp"], [dq])]))

    # Integer weights where the convolution's input is quantized, except the last one.
    quantized_convs = 0
    for n in g.node:
        if n.op_type != "Conv" or n.name.startswith("/out") or n.input[1] == "out.weight":
            continue
        x = n.input[0]
        if not x.endswith("_dq"):
            continue
        sx = qparams[x[:-3]]
        w = numpy_helper.to_array(init[n.input[1]]).astype(np.float64)
        b = numpy_helper.to_array(init[n.input[2]]).astype(np.float64)
        sw = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(1), 1e-12) / weight_max
        wq = np.clip(np.round(w / sw[:, None, None, None]), -weight_max, weight_max).astype(np.int8)
        bs = sx * sw
        bq = np.round(b / bs).astype(np.int32)
        wn, bn = n.input[1], n.input[2]
        new_init += [numpy_helper.from_array(wq, wn + "_q"),
                     numpy_helper.from_array(sw.astype(np.float32), wn + "_scale"),
                     numpy_helper.from_array(np.zeros(sw.shape, np.int8), wn + "_zp"),
                     numpy_helper.from_array(bq, bn + "_q"),
                     numpy_helper.from_array(bs.astype(np.float32), bn + "_scale"),
                     numpy_helper.from_array(np.zeros(bs.shape, np.int32), bn + "_zp")]
        wdq = helper.make_node("DequantizeLinear", [wn + "_q", wn + "_scale", wn + "_zp"], [wn + "_dq"], axis=0)
        bdq = helper.make_node("DequantizeLinear", [bn + "_q", bn + "_scale", bn + "_zp"], [bn + "_dq"], axis=0)
        n.input[1], n.input[2] = wn + "_dq", bn + "_dq"
        new_nodes.append((None, [wdq, bdq]))
        quantized_convs += 1

    # Rebuild the node list in order: weight DQs first, each Q/DQ pair after its producer.
    after = {}
    first = []
    for prod, nodes in new_nodes:
        if prod is None:
            first += nodes
        else:
            after.setdefault(id(prod), []).extend(nodes)
    ordered = list(first)
    for n in g.node:
        ordered.append(n)
        ordered += after.get(id(n), [])
    del g.node[:]
    g.node.extend(ordered)
    used_init = {i for n in g.node for i in n.input}
    keep = [t for t in g.initializer if t.name in used_init]
    del g.initializer[:]
    g.initializer.extend(keep + new_init)
    for p in m.metadata_props:
        if p.key == "starplugin.name":
            p.value = p.value + "-int8"
    p = m.metadata_props.add(); p.key, p.value = "starplugin.quantization", f"qdq: uint8 activations, int{opts.get('weight-bits', '7')} weights, blocks {opts.get('only', DEFAULT_BLOCKS)} (the first and last convolutions float); {used} calibration pictures, percentile {percentile}"
    onnx.checker.check_model(m)
    tmp = out + ".tmp"
    onnx.save(m, tmp)
    os.replace(tmp, out)
    print(f"{out}: {os.path.getsize(out)} bytes, {quantized_convs} convolutions with integer weights (ONNX Runtime runs those whose output is quantized too in integers), {len(ranges)} quantized tensors, {used} calibration pictures")


if __name__ == "__main__":
    main()
