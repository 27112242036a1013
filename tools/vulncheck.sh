#!/usr/bin/env bash
# govulncheck over both modules with a vulnerability database built offline:
# the Go module proxy serves golang.org/x/vulndb (the database's source), and
# its gendb turns that into the file:// database govulncheck reads. gendb needs
# a git repository, so the module's files are committed into a throw-away one.
# Fails on any vulnerability reachable from our code.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${VULNDB_VERSION:?}" "${GOVULNCHECK_VERSION:?}"
GO=${GO:-go}
cache=${VULNCHECK_CACHE:-.local/vulncheck}
db="$cache/db-$VULNDB_VERSION"

if [ ! -f "$db/index/db.json" ]; then
  echo "vulncheck: building the database from golang.org/x/vulndb@$VULNDB_VERSION"
  src=$($GO mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || { echo "vulncheck: golang.org/x/vulndb@$VULNDB_VERSION was not downloaded" >&2; exit 1; }
  repo=$(mktemp -d)
  trap 'rm -rf "$repo"' EXIT
  cp -r "$src/." "$repo" && chmod -R u+w "$repo"
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=vulncheck -c user.email=vulncheck@localhost commit -qm "golang.org/x/vulndb@$VULNDB_VERSION"
  rm -rf "$db.tmp" && mkdir -p "$cache"
  (cd "$repo" && $GO run ./cmd/gendb -repo . -out "$OLDPWD/$db.tmp")
  mv "$db.tmp" "$db"
fi

govulncheck="$($GO env GOPATH)/bin/govulncheck-$GOVULNCHECK_VERSION"
if [ ! -x "$govulncheck" ]; then
  # Built with the Go that builds the project: it reports the standard
  # library of the Go it was built with.
  tmp=$(mktemp -d)
  GOBIN=$tmp $GO install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
  mkdir -p "$(dirname "$govulncheck")" # a fresh machine has no GOPATH/bin yet
  mv "$tmp/govulncheck" "$govulncheck"
fi

status=0
for module in . infra; do
  echo "vulncheck: $module ($($GO env GOVERSION))"
  (cd "$module" && "$govulncheck" -db "file://$(cd "$OLDPWD" && pwd)/$db" ./...) || status=1
done
exit $status
