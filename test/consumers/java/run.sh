#!/usr/bin/env bash
# A Maven app in a temporary folder builds against the core, storage and
# catalog jars that jsii-pacmak built (packages/*/dist/java, each a local
# Maven repository) with the given aws-cdk-lib from Maven Central, and
# synthesizes (ConsumerApp.java). Only Maven Central is reached; its
# downloads stay in ~/.m2 for the next run, the layers' jars do not.
#
# Usage: run.sh <aws-cdk-lib version>   (core, storage and catalog must be packaged)
set -euo pipefail
# The jsii runtime runs on Node.js; its end-of-life banner is noise here.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
started=$SECONDS
cdk_version="${1:?usage: run.sh <aws-cdk-lib version>}"

version="$(node -p "require('$repo/packages/core/package.json').version")"
constructs="$(node -p "require('$repo/packages/core/package.json').peerDependencies.constructs.replace(/^\\^/, '')")"
args=()
for layer in core storage catalog; do
  jar="$repo/packages/$layer/dist/java/io/github/lakehouse-cdk/lakehouse-cdk-$layer/$version/lakehouse-cdk-$layer-$version.jar"
  [ -f "$jar" ] || { echo "no $jar; run npx nx run @lakehouse-cdk/$layer:package" >&2; exit 1; }
  args+=("-Dlakehouse.repo.$layer=file://$repo/packages/$layer/dist/java")
done

work="$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-java-consumer-XXXXXX")"
# The layers' jars are copied into the local repository on resolution; remove
# them afterwards so a later run can only see the jars that were just built.
trap 'rm -rf "$work" "${HOME}/.m2/repository/io/github/lakehouse-cdk"' EXIT
cp -r "$here/pom.xml" "$here/src" "$work/"
cd "$work"
rm -rf "${HOME}/.m2/repository/io/github/lakehouse-cdk"
mvn -B -q -e "${args[@]}" -Dlakehouse.version="$version" -Dcdk.version="$cdk_version" -Dconstructs.version="$constructs" \
  -Dcdk.out="$work/cdk.out" compile exec:exec
echo "java consumer (aws-cdk-lib $cdk_version, core, storage and catalog jars) passed in $((SECONDS - started)) s"
