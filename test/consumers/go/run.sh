#!/usr/bin/env bash
# A Go app in a temporary folder builds on the core and storage modules that
# jsii-pacmak generated (packages/*/dist/go), through `replace` directives, with
# aws-cdk-go at the given version, and synthesizes (main.go). Only the Go
# module proxy is reached; its downloads stay in the module cache.
#
# Usage: run.sh <aws-cdk-go version>   (core and storage must be packaged)
set -euo pipefail
# The jsii runtime runs on Node.js; its end-of-life banner is noise here.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
started=$SECONDS
cdk_version="${1:?usage: run.sh <aws-cdk-go version>}"
module=github.com/lakehouse-cdk/lakehouse-cdk-go

work="$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-go-consumer-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$here/main.go" "$work/"
{
  printf 'module consumer\n\ngo 1.25\n\nrequire (\n'
  printf '\tgithub.com/aws/aws-cdk-go/awscdk/v2 v%s\n' "$cdk_version"
  for layer in core storage; do printf '\t%s/%s v0.0.0\n' "$module" "$layer"; done
  printf ')\n\n'
  for layer in core storage; do
    dir="$repo/packages/$layer/dist/go/$layer"
    [ -f "$dir/go.mod" ] || { echo "no Go module in $dir; run npx nx run @lakehouse-cdk/$layer:package" >&2; exit 1; }
    printf 'replace %s/%s => %s\n' "$module" "$layer" "$dir"
  done
  # jsii-pacmak names the cloud-assembly-schema module at the npm version the
  # workspace installed (newer than aws-cdk-go's own); the module proxy that CI
  # reaches serves only the version aws-cdk-go itself requires, so the app uses that one.
  schema=github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v54
  cdk_mod="$(go mod download -json "github.com/aws/aws-cdk-go/awscdk/v2@v$cdk_version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  schema_version="$(awk -v m="$schema" '$1 == m { print $2 }' "$cdk_mod")"
  [ -n "$schema_version" ] || { echo "aws-cdk-go v$cdk_version requires no $schema" >&2; exit 1; }
  printf 'replace %s => %s %s\n' "$schema" "$schema" "$schema_version"
} > "$work/go.mod"
cd "$work"
go mod tidy
installed="$(go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2)"
[ "$installed" = "v$cdk_version" ] || { echo "resolved aws-cdk-go $installed, expected v$cdk_version" >&2; exit 1; }
go run . "$work/cdk.out"
echo "go consumer (aws-cdk-go $cdk_version, core and storage modules) passed in $((SECONDS - started)) s"
