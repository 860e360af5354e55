#!/usr/bin/env bash
# Refreshes the BPMN modeler that the process pages embed: bpmn-js's prebuilt distribution
# and Zeebe's moddle descriptor (read so that models drawn for Camunda 8 keep their
# extension elements), from the npm registry, at the pinned versions below. Node and npm
# are needed only to run this script; the binary embeds the files it leaves in
# internal/web/static/vendor, so `go run` and `go build` need nothing installed.
#
#   bash scripts/vendor-bpmn-js.sh            # the pinned versions
#   BPMN_JS_VERSION=18.31.1 bash scripts/...  # another version, then run the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
bpmn_js="${BPMN_JS_VERSION:-18.31.1}"
zeebe="${ZEEBE_MODDLE_VERSION:-2.0.0}"
dest=internal/web/static/vendor/bpmn-js
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "bpmn-js@$bpmn_js" "zeebe-bpmn-moddle@$zeebe" >/dev/null)
mkdir -p "$work/bpmn-js" "$work/zeebe"
tar xzf "$work/bpmn-js-$bpmn_js.tgz" -C "$work/bpmn-js"
tar xzf "$work/zeebe-bpmn-moddle-$zeebe.tgz" -C "$work/zeebe"

rm -rf "$dest"
mkdir -p "$dest/assets/bpmn-font/css" "$dest/assets/bpmn-font/font"
src="$work/bpmn-js/package"
cp "$src/dist/bpmn-modeler.production.min.js" "$src/dist/bpmn-navigated-viewer.production.min.js" "$dest/"
cp "$src/dist/assets/diagram-js.css" "$src/dist/assets/bpmn-js.css" "$dest/assets/"
cp "$src/dist/assets/bpmn-font/css/bpmn.css" "$dest/assets/bpmn-font/css/"
cp "$src/dist/assets/bpmn-font/font/"bpmn.{woff2,woff,ttf,eot,svg} "$dest/assets/bpmn-font/font/"
cp "$src/LICENSE" "$dest/LICENSE"
cp "$work/zeebe/package/resources/zeebe.json" "$dest/zeebe.json"
cp "$work/zeebe/package/LICENSE" "$dest/zeebe-LICENSE" 2>/dev/null || true
printf 'bpmn-js %s\nzeebe-bpmn-moddle %s\n' "$bpmn_js" "$zeebe" >"$dest/VERSIONS"
echo "vendored into $dest:"; cat "$dest/VERSIONS"
