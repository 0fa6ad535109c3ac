#!/usr/bin/env bash
# A real single-node Slurm for the tests: munged and slurmctld/slurmd on localhost,
# configured in a private directory (nothing in /etc is changed), on private ports.
#   cluster.sh start DIR   → starts everything, waits until the node is idle; prints "export SLURM_CONF=..."
#   cluster.sh stop DIR    → stops what start started (by the pids it recorded)
# Needs root (slurmd runs jobs as their submitting user) and Debian's slurm-wlm and munge.
set -euo pipefail
cmd="${1:?start|stop}"; dir="$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)"
conf="$dir/slurm.conf"
stop() {
  for d in slurmd slurmctld munged; do
    if [ -f "$dir/$d.pid" ]; then
      pid="$(cat "$dir/$d.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$d.pid"
    fi
  done
}
if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "cluster.sh: needs root (slurmd)" >&2; exit 77; }
for b in munged slurmctld slurmd sbatch squeue sinfo; do command -v "$b" >/dev/null || { echo "cluster.sh: $b not installed (apt-get install slurm-wlm munge)" >&2; exit 77; }; done
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"
# A key of our own, so the test never depends on (or touches) /etc/munge.
[ -f "$dir/munge/munge.key" ] || { head -c 1024 /dev/urandom > "$dir/munge/munge.key"; chmod 400 "$dir/munge/munge.key"; }
host="$(hostname -s)"
port=$(( 17000 + RANDOM % 2000 ))
cpus="$(nproc)"
cat > "$conf" <<CONF
ClusterName=starplugin-test
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MaxArraySize=1001
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
export SLURM_CONF="$conf"
slurmctld -f "$conf"
slurmd -f "$conf" -N "$host"
for _ in $(seq 120); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed)'; then echo "export SLURM_CONF=$conf"; exit 0; fi
  sleep 0.5
done
echo "cluster.sh: the node did not come up; logs in $dir/log" >&2
tail -5 "$dir/log/"*.log >&2 || true
stop
exit 1
