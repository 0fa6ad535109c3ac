#!/usr/bin/python3
"""The real photographs the removal network trains on, and the ones held out for its
validation: which they are, where they come from, and whom to credit.

  sources.py list STELLARIUM_NEBULAE REAL_DEV > pictures.csv   (the committed list)
  sources.py link STELLARIUM_NEBULAE REAL_DEV OUT_DIR           (OUT_DIR/src, OUT_DIR/srcval)

STELLARIUM_NEBULAE is Debian stellarium-data's /usr/share/stellarium/nebulae/default,
REAL_DEV the 49 development photographs (../shared/data/real-dev, taken from the same
folder). The rule of the data: textures under 1000 px are free to use; those of 1000 px
and more are reserved for acceptance, except the 49 of real-dev. So:
- train: every texture whose larger side is under 1000 px, and 39 of the real-dev pictures;
- val:   the other 10 real-dev pictures (HELD_OUT), never trained on, which the trainer
         scores as it goes and the real-dev bench reports apart;
- a reserved texture (1000 px or more, not in real-dev) is never listed, whatever else changes.
Credits come from the package's own textures.json (imageCredits, infoUrl); its licence
is GPL-2+, with per-source permissions in /usr/share/doc/stellarium-data/copyright.
"""
import csv, glob, json, os, re, sys
from PIL import Image

# Held out since the real-photo training began (step 40,406; tests/bench/results/real_dev.md).
HELD_OUT = ("barnard150", "coma_cluster", "etaCarinae", "ic1805", "m33", "m8", "n6960", "n7822", "sh2-264", "smc29-2")
PICTURE = (".png", ".jpg", ".jpeg")


def credits(nebulae):
    """imageUrl -> (credit, url) from the package's textures.json (its keys vary in case)."""
    out = {}
    with open(os.path.join(nebulae, "textures.json"), encoding="utf-8") as f:
        text = f.read()
    # The file writes some numbers without their leading zero (-.9794): not JSON.
    doc = json.loads(re.sub(r'(?<![\w."])(-?)\.(\d)', r"\g<1>0.\2", text))

    def walk(node):
        if isinstance(node, dict):
            if "imageUrl" in node:
                c = {k.lower(): v for k, v in (node.get("imageCredits") or {}).items()}
                out.setdefault(node["imageUrl"], (c.get("short", ""), c.get("infourl", "")))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    return out


def pictures(nebulae, real_dev):
    """Rows (name, file, role, source, width, height, credit, url), sorted by name."""
    cred = credits(nebulae)
    dev = {os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(real_dev, "*.png"))}
    missing = set(HELD_OUT) - dev
    if missing:
        raise SystemExit(f"sources.py: held-out pictures not in {real_dev}: {', '.join(sorted(missing))}")
    rows = []
    for path in sorted(glob.glob(os.path.join(nebulae, "*"))):
        base = os.path.basename(path)
        name, ext = os.path.splitext(base)
        if ext.lower() not in PICTURE:
            continue
        with Image.open(path) as im:
            w, h = im.size
        if name in dev:
            role, source = ("val" if name in HELD_OUT else "train"), "real-dev"
        elif max(w, h) < 1000:
            role, source = "train", "stellarium"
        else:
            continue  # reserved for acceptance
        credit, url = cred.get(base, ("", ""))
        rows.append((name, base, role, source, w, h, credit, url))
    names = [r[0] for r in rows]
    if len(names) != len(set(names)):
        raise SystemExit("sources.py: two pictures share a name; the library is keyed by name")
    return rows


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("list", "link") or (sys.argv[1] == "link") != (len(sys.argv) == 5):
        raise SystemExit(__doc__)
    rows = pictures(sys.argv[2], sys.argv[3])
    if sys.argv[1] == "list":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(("name", "file", "role", "source", "width", "height", "credit", "url"))
        w.writerows(rows)
        return
    out = sys.argv[4]
    for role, folder in (("train", "src"), ("val", "srcval")):
        d = os.path.join(out, folder)
        os.makedirs(d, exist_ok=True)
        # Links of an earlier split go first: a picture moved to the held-out set must not stay in src.
        for old in os.listdir(d):
            if os.path.islink(os.path.join(d, old)):
                os.remove(os.path.join(d, old))
        for name, base, r, *_ in rows:
            if r == role:
                link = os.path.join(d, base)
                if not os.path.lexists(link):
                    os.symlink(os.path.join(os.path.abspath(sys.argv[2]), base), link)
    n = sum(r[2] == "train" for r in rows)
    print(f"{n} pictures to train on in {out}/src, {len(rows) - n} held out in {out}/srcval", file=sys.stderr)


if __name__ == "__main__":
    main()
