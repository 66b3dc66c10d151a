#!/usr/bin/env bash
# Builds Pulumi's CLI from the Go module proxy at the version go.mod beside this file pins, with
# the flags of Pulumi's own release (.goreleaser.yml), into a cache folder outside the clone keyed
# by go.mod and go.sum: a second run on the same machine builds nothing. Prints the folder that
# holds `pulumi`. Nothing prebuilt is downloaded. `build.sh --locate` prints the folder only if
# it is built already (exit 3 if not), and builds nothing.
#
# The Node.js language host (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
# is not built: the module proxy these machines reach refuses every version of it (403). The
# engine suite runs programs through `--client`, the language runtime @pulumi/pulumi's automation
# API serves for inline programs (tools/pulumi/client-runtime.cjs), so the CLI never loads it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
key=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)
cache="${CXONE_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-cxone-date-action}/pulumi-cli-$key"
if [ -x "$cache/pulumi" ]; then
  echo "$cache"
  exit 0
fi
# --locate: only say where a build is; exit 3 when there is none yet.
if [ "${1:-}" = "--locate" ]; then
  exit 3
fi
# Go's own installer puts it in /usr/local/go without touching PATH.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
  PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null; then
  echo "build.sh: Go is not on PATH. Install Go 1.26 or later (https://go.dev/doc/install), or put a pulumi CLI on PATH." >&2
  exit 1
fi
version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go.mod")
mkdir -p "$(dirname "$cache")"
staging=$(mktemp -d "$cache.building.XXXXXX")
trap 'rm -rf "$staging"' EXIT
echo "build.sh: building pulumi $version from the Go module proxy (a few minutes the first time)" >&2
# -mod=readonly: go.sum must already hold every module; a build never edits the pins.
(cd "$here" && CGO_ENABLED=0 go build -mod=readonly -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$staging/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
# A rename is atomic: two builds racing leave one whole folder, never a half-written binary.
mv -T "$staging" "$cache" 2>/dev/null || test -x "$cache/pulumi"
trap - EXIT
echo "$cache"
