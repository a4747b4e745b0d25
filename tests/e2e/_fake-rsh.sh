#!/bin/sh
# _fake-rsh.sh HOST COMMAND... - Open MPI's remote shell (plm_rsh_agent) for
# tests that play many nodes on one machine: "log in to HOST" runs the
# command here, with SHAKEDOWN_NODE_NAME=HOST so that the runner's node agent
# reports that name. Open MPI's real daemons (orted) start this way and talk
# to mpirun over loopback TCP, so the launch, the daemons and the MPI
# messages are all real; only the login is played.
#
# Each node gets a temporary directory of its own ($FAKE_RSH_TMP/HOST, else
# /tmp/fake-rsh-HOST) for Open MPI's session files, as separate machines
# have: one shared /tmp would let the daemons' session directories collide.
#
# A node is down while the file $FAKE_RSH_DOWN/HOST exists: the login then
# fails as ssh does for a host it cannot reach (status 255).
host=$1
shift
if [ -n "${FAKE_RSH_DOWN:-}" ] && [ -e "$FAKE_RSH_DOWN/$host" ]; then
	echo "ssh: connect to host $host port 22: No route to host" >&2
	exit 255
fi
export SHAKEDOWN_NODE_NAME="$host"
export TMPDIR="${FAKE_RSH_TMP:-/tmp/fake-rsh}/$host"
mkdir -p "$TMPDIR"
exec /bin/sh -c "$*"
