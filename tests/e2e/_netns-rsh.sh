#!/bin/sh
# _netns-rsh.sh HOST COMMAND... - Open MPI's remote shell (plm_rsh_agent) for
# tests/e2e/netns.sh: "log in to HOST" runs the command inside the network
# namespace $NETNS_PREFIX-HOST that the test created, which reaches the other
# namespaces only through the test's own veth links and bridge. The node's
# name and a temporary directory of its own go with it, as on a real node.
host=$1
shift
export SHAKEDOWN_NODE_NAME="$host"
export TMPDIR="$NETNS_TMP/$host"
mkdir -p "$TMPDIR"
exec ip netns exec "$NETNS_PREFIX-$host" /bin/sh -c "$*"
