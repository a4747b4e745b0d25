#!/usr/bin/env bash
# with-registry.sh CMD... - run CMD (e.g. `shakedown run suites/quick.yaml`) with
# SHAKEDOWN_REGISTRY naming a registry: the user's when it is set; otherwise a
# loopback docker-registry holding a small two-platform test image (the tests'
# own fixture, tests/e2e/_registry-fixture.sh), stopped and removed afterwards.
# The registry probe's result then says env.loopback, and the report that the
# pull came from a loopback registry. Without docker-registry or skopeo, CMD
# runs as it is and the registry step is skipped with its reason.
# `make run` uses it. Only 127.0.0.1 is ever used.
set -u
cd "$(dirname "$0")/.."
if [ -n "${SHAKEDOWN_REGISTRY:-}" ]; then
	exec "$@"
fi
. tests/e2e/_registry-fixture.sh
if ! why=$(reg_have_tools); then
	echo "registry step: no loopback registry ($why); set SHAKEDOWN_REGISTRY to use yours" >&2
	exec "$@"
fi
D=$(mktemp -d "${TMPDIR:-/tmp}/sd-registry.XXXXXX")
trap 'reg_stop_all; rm -rf "$D"' EXIT
trap 'exit 130' INT TERM
if reg_build_image "$D/image" 4096 2048 1024 && reg_start "$D/registry" && reg_push "$D/image" shakedown/fixture:v1; then
	export SHAKEDOWN_REGISTRY=$REG_URL SHAKEDOWN_REGISTRY_REPO=shakedown/fixture SHAKEDOWN_REGISTRY_REF=v1
else
	echo "registry step: the loopback registry did not start (above); the step will be skipped" >&2
fi
"$@"
