#!/usr/bin/env bash
# Compiles the engine from this checkout and stages what runs on the appliance:
# dist/server + dist/graphql + dist/console (the admin console's built assets), bin/,
# package.json and the production node_modules.
source "${PILLARBOX_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}/packer/scripts/common.sh"
STAGE=$WORK/engine
cd "$REPO"
rm -f "$WORK/uuids.env"  # a new build gets new partition UUIDs (common.sh)
source "$REPO/packer/scripts/common.sh"

log "compiling the engine (tsc)"
if ! npx --no-install tsc -p tsconfig.json >&2; then
  # tsc still emits JavaScript on type errors; a work-in-progress tree can be imaged on request.
  [ "${PILLARBOX_IMAGE_ALLOW_TSC_ERRORS:-0}" = 1 ] || die "the engine does not compile (PILLARBOX_IMAGE_ALLOW_TSC_ERRORS=1 builds anyway)"
  log "warning: type errors ignored (PILLARBOX_IMAGE_ALLOW_TSC_ERRORS=1)"
fi
[ -f dist/server/cli/pillarbox.js ] || die "dist/server/cli/pillarbox.js missing after the build"
log "building the admin console (esbuild)"
node server/web/console/build.mjs >&2 || die "the admin console does not build (server/web/console/build.mjs)"
[ -f dist/console/index.html ] || die "dist/console/index.html missing after the build"

rm -rf "$STAGE"
mkdir -p "$STAGE/dist"
cp -a dist/server dist/graphql dist/console "$STAGE/dist/"
find "$STAGE/dist" -name '*.map' -delete
cp -a bin package.json package-lock.json "$STAGE/"
[ -f graphql/schema.graphql ] && install -D -m 0644 graphql/schema.graphql "$STAGE/graphql/schema.graphql"

# Production dependencies only. Pruning a copy of node_modules (instead of `npm ci`) keeps
# the build offline and reuses better-sqlite3's native module, built for this Node 20.
log "staging production node_modules"
# node_modules/. (not node_modules): a worktree's node_modules may be a symlink to another
# checkout's, and a copied symlink would let npm prune replace it with a tree without the
# native build.
mkdir -p "$STAGE/node_modules"
cp -a node_modules/. "$STAGE/node_modules/"
(cd "$STAGE" && npm prune --omit=dev --no-audit --no-fund --ignore-scripts >/dev/null 2>&1) ||
  die "npm prune --omit=dev failed in $STAGE"
rm -rf "$STAGE/node_modules/.cache" "$STAGE/node_modules/.package-lock.json"
(cd "$STAGE" && node -e "require('better-sqlite3')(':memory:').close()") ||
  die "better-sqlite3 does not load with $(node --version)"
du -sh "$STAGE" >&2
