#!/usr/bin/env bash
# Re-vendors the browser files of the GraphiQL playground (`GET /graphql`) and
# of the REST API docs (`GET /api/v1/docs`, Swagger UI) into
# src/playground/assets/.
#
# Fetches the exact package versions below with `npm pack` (npm checks each
# tarball against the registry's integrity hash), copies only the prebuilt
# browser bundles the page loads, plus each package's LICENSE, and writes
# SHA256SUMS so a refresh shows up in `git diff` as exactly what changed.
#
# Usage: src/playground/refresh-assets.sh
# To move to other versions: change the pins here, the file names in
# src/playground/assets.rs (ASSETS and the module header) and in the pages
# that load them (graphiql.rs, docs.rs), run this, then `cargo test
# playground` and the browser test (tests/browser/browser.mjs).
set -euo pipefail

GRAPHIQL_VERSION=3.9.0
REACT_VERSION=18.3.1
REACT_DOM_VERSION=18.3.1
SWAGGER_UI_VERSION=5.35.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent \
    "graphiql@$GRAPHIQL_VERSION" \
    "react@$REACT_VERSION" \
    "react-dom@$REACT_DOM_VERSION" \
    "swagger-ui-dist@$SWAGGER_UI_VERSION" >/dev/null
for package in graphiql react react-dom swagger-ui-dist; do
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
# Swagger UI: the UMD bundle (React and every other dependency inside) and its
# stylesheet; not the standalone preset (only the top bar with a URL box), the
# ES bundles or the source maps. Its example generator's e-mail placeholder is
# a string literal with an `@`: written as `\x40` it is the same string to
# JavaScript but no address in the text of this repository.
strip_map swagger-ui-dist/swagger-ui-bundle.js "$work/swagger-ui-bundle.js"
sed -e 's/@example\.com"/\\x40example.com"/g' "$work/swagger-ui-bundle.js" \
    > "$assets/swagger-ui-bundle-$SWAGGER_UI_VERSION.js"
strip_map swagger-ui-dist/swagger-ui.css "$assets/swagger-ui-$SWAGGER_UI_VERSION.css"
cp graphiql/LICENSE "$assets/LICENSE.graphiql"
cp react/LICENSE "$assets/LICENSE.react"
cp react-dom/LICENSE "$assets/LICENSE.react-dom"
cp swagger-ui-dist/LICENSE "$assets/LICENSE.swagger-ui"
cp swagger-ui-dist/NOTICE "$assets/NOTICE.swagger-ui"
# The licenses of what the bundle bundles; an author's address becomes a note.
sed -E 's/<[^<>@ ]+@[^<>@ ]+>/<address removed>/g' \
    swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt > "$assets/LICENSE.swagger-ui-bundle"

cd "$assets"
if grep -lE '[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}([^A-Za-z0-9-]|$)' -- *; then
    echo "refresh-assets.sh: an e-mail address is left in the files above" >&2
    exit 1
fi
sha256sum -- *.js *.css LICENSE.* NOTICE.* > SHA256SUMS
echo "vendored into $assets:"
ls -l -- *.js *.css
du -cb -- *.js *.css | tail -n 1
