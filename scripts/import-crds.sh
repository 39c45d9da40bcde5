#!/usr/bin/env bash
# Regenerates imports/ (cdk8s constructs for Kubernetes 1.34 and the CRDs the charts use) from
# the schemas in ../shared/kubernetes, offline. The output is committed; the tests never need
# ../shared. Run from anywhere: bash scripts/import-crds.sh [path/to/shared/kubernetes]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shared="$(cd "${1:-../shared/kubernetes}" && pwd)"
crds="$shared/crds"
out=imports
rm -rf "$out.new" && mkdir -p "$out.new"
# `cdk8s import` appends what it imports to cdk8s.yaml; the list must stay out of it (a Helm
# synth would bundle the CRDs), so put the file back afterwards.
cp cdk8s.yaml "$out.cdk8s.yaml"
trap 'mv -f "$out.cdk8s.yaml" cdk8s.yaml' EXIT

# Kubernetes itself: cdk8s-cli downloads the schema; the preload serves it from $shared/schemas.
NODE_OPTIONS="--require $shared/offline-import.cjs" \
  npx cdk8s import k8s@1.34.0 --language typescript --no-check-upgrade --output "$out.new" >/dev/null

# One CRD per call (cdk8s import takes one spec at a time); prefixes keep same-group files apart.
for spec in \
  "kedascaledjob:=$crds/keda/keda.sh_scaledjobs.yaml" \
  "kedatriggerauth:=$crds/keda/keda.sh_triggerauthentications.yaml" \
  "karpenternodepool:=$crds/karpenter/karpenter.sh_nodepools.yaml" \
  "karpenternodeclass:=$crds/karpenter/karpenter.k8s.aws_ec2nodeclasses.yaml" \
  "argocdapp:=$crds/argocd/application-crd.yaml" \
  "acksqs:=$crds/ack/sqs.services.k8s.aws_queues.yaml" \
  "acks3:=$crds/ack/s3.services.k8s.aws_buckets.yaml" \
  "ackdynamodb:=$crds/ack/dynamodb.services.k8s.aws_tables.yaml" \
  "ackiamrole:=$crds/ack/iam.services.k8s.aws_roles.yaml" \
  "ackiampolicy:=$crds/ack/iam.services.k8s.aws_policies.yaml" \
  "ackeks:=$crds/ack/eks.services.k8s.aws_podidentityassociations.yaml"; do
  npx cdk8s import "$spec" --language typescript --no-check-upgrade --output "$out.new" >/dev/null
done

# The generated files import cdk8s's interfaces as values; Node's ES modules need them marked as
# types (`import { type X }`), or loading fails. The one edit made to generated code.
sed -i -E "s/(\{ ApiObject, |, )(ApiObjectMetadata|GroupVersionKind)/\1type \2/g" "$out.new"/*.ts

# The CRDs' own schemas, for the chart tests' validation (ACK has no npm schema package).
node scripts/extract-crd-schemas.ts "$out.new/schemas" \
  "$crds"/keda/keda.sh_scaledjobs.yaml "$crds"/keda/keda.sh_triggerauthentications.yaml \
  "$crds"/karpenter/karpenter.sh_nodepools.yaml "$crds"/karpenter/karpenter.k8s.aws_ec2nodeclasses.yaml \
  "$crds"/argocd/application-crd.yaml "$crds"/ack/sqs.services.k8s.aws_queues.yaml \
  "$crds"/ack/s3.services.k8s.aws_buckets.yaml "$crds"/ack/dynamodb.services.k8s.aws_tables.yaml \
  "$crds"/ack/iam.services.k8s.aws_roles.yaml "$crds"/ack/iam.services.k8s.aws_policies.yaml \
  "$crds"/ack/eks.services.k8s.aws_podidentityassociations.yaml
# KEDA 2.20.0's (and 2.20.1's) CRDs too: the charts must apply on every 2.20 patch.
node scripts/extract-crd-schemas.ts "$out.new/schemas/keda-v2.20.0" \
  "$shared"/crds/keda-v2.20.0/keda.sh_scaledjobs.yaml "$shared"/crds/keda-v2.20.0/keda.sh_triggerauthentications.yaml
# Kubernetes itself, for every version the charts support: the kinds they emit and what those use.
node scripts/extract-k8s-schemas.ts "$out.new/schemas/kubernetes" "$shared/schemas" v1.34.0 v1.35.0 v1.36.0

cp "$out/README.md" "$out.new/README.md" 2>/dev/null || true
rm -rf "$out" && mv "$out.new" "$out"
( cd "$crds" && sha256sum */*.yaml ) > "$out/SOURCES.sha256"
echo "imports/ regenerated:"; ls "$out"
