#!/bin/bash
# The real-photo training of issue 17 (steps 40,406-): waits for the library, builds the validation
# library, then trains, resumable. Paths are this machine's (/work/data: src, srcval, lib, libval).
cd /work/data
while pgrep -f "build_library.py src clean1 lib" >/dev/null; do sleep 20; done
[ -d libval ] || nice -n 10 /usr/bin/python3 /work/main/models/training/realdata/build_library.py srcval clean1val libval > libval.log 2>&1
cd /work/main
export STARPLUGIN_CLI=/work/data/cli/starplugin
exec nice -n 15 /usr/bin/python3 models/training/train.py --minutes ${MINUTES:-600} --checkpoint models/training/runs/real1.pt \
  --lr 3e-4 --min-lr 3e-4 --no-psf-input --real-lib /work/data/lib --real-val /work/data/libval --real-share 0.6 --galaxy-weight 1
