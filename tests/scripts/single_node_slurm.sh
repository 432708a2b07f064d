#!/usr/bin/env bash
# A single-node SLURM for the cluster test, as root in a container without systemd (Debian's slurm-wlm + munge).
#   tests/scripts/single_node_slurm.sh start STATE_DIR   -> writes STATE_DIR/slurm.conf, starts munged, slurmctld, slurmd
#   tests/scripts/single_node_slurm.sh stop STATE_DIR
# The config is linked from /etc/slurm/slurm.conf (where jobs' srun looks); SLURM_CONF=STATE_DIR/slurm.conf works too.
# No slurmdbd, so no sacct: the executor plugin reads job states from squeue, which keeps a finished job for MinJobAge.
set -euo pipefail
action=$1
state=$(realpath -m "$2")
conf=$state/slurm.conf

stop() {
  for daemon in slurmd slurmctld; do
    [ -f "$state/$daemon.pid" ] && kill "$(cat "$state/$daemon.pid")" 2>/dev/null || true
  done
  [ -f "$state/munged.pid" ] && kill "$(cat "$state/munged.pid")" 2>/dev/null || true
  return 0
}

if [ "$action" = stop ]; then
  stop
  exit 0
fi

mkdir -p "$state"/{spool,ctld} /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
if ! munge -n >/dev/null 2>&1; then
  su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=$state/munged.pid.tmp" || /usr/sbin/munged --force
  cp "$state/munged.pid.tmp" "$state/munged.pid" 2>/dev/null || true
fi

node=$(slurmd -C | head -1)   # NodeName=<host> CPUs=... RealMemory=...
host=$(hostname -s)
cat > "$conf" <<CONF
ClusterName=replications-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ReturnToService=2
MinJobAge=3600
SchedulerType=sched/backfill
MpiDefault=none
$node State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

# Jobs call srun inside sbatch (Snakemake's job step); slurmd gives them no SLURM_CONF: the default path must hold it.
mkdir -p /etc/slurm
ln -sf "$conf" /etc/slurm/slurm.conf
export SLURM_CONF=$conf
/usr/sbin/slurmctld -f "$conf"
/usr/sbin/slurmd -f "$conf"
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -qx idle; then
    echo "SLURM up: $(sinfo -h -o '%P %D %t %c CPUs')"
    exit 0
  fi
  sleep 0.5
done
echo "SLURM did not come up; see $state/slurmctld.log and $state/slurmd.log" >&2
stop
exit 1
