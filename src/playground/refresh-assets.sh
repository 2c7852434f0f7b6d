#!/usr/bin/env bash
# Re-vendors the GraphiQL playground's browser files into src/playground/assets/.
#
# Fetches the exact package versions below with `npm pack` (npm checks each
# tarball against the registry's integrity hash), copies only the prebuilt
# browser bundles the page loads, plus each package's LICENSE, and writes
# SHA256SUMS so a refresh shows up in `git diff` as exactly what changed.
#
# Usage: src/playground/refresh-assets.sh
# To move to other versions: change the pins here, the file names in
# src/playground/mod.rs (ASSETS and the module header) and page.html, run
# this, then `cargo test playground`.
set -euo pipefail

GRAPHIQL_VERSION=3.9.0
REACT_VERSION=18.3.1
REACT_DOM_VERSION=18.3.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent \
    "graphiql@$GRAPHIQL_VERSION" \
    "react@$REACT_VERSION" \
    "react-dom@$REACT_DOM_VERSION" >/dev/null
for package in graphiql react react-dom; do
    mkdir -p "$package"
    tar -xzf "$package"-[0-9]*.tgz -C "$package" --strip-components=1
done

rm -rf "$assets"
mkdir -p "$assets"
# The bundles end with a `sourceMappingURL` comment naming a map we do not
# ship; drop that line so browser developer tools do not ask for it (a 404).
strip_map() { sed -e '/^\/[/*]# sourceMappingURL=/d' "$1" > "$2"; }
strip_map graphiql/graphiql.min.js "$assets/graphiql-$GRAPHIQL_VERSION.min.js"
strip_map graphiql/graphiql.min.css "$assets/graphiql-$GRAPHIQL_VERSION.min.css"
strip_map react/umd/react.production.min.js "$assets/react-$REACT_VERSION.production.min.js"
strip_map react-dom/umd/react-dom.production.min.js "$assets/react-dom-$REACT_DOM_VERSION.production.min.js"
cp graphiql/LICENSE "$assets/LICENSE.graphiql"
cp react/LICENSE "$assets/LICENSE.react"
cp react-dom/LICENSE "$assets/LICENSE.react-dom"

cd "$assets"
sha256sum -- *.js *.css LICENSE.* > SHA256SUMS
echo "vendored into $assets:"
ls -l -- *.js *.css
du -cb -- *.js *.css | tail -n 1
