#!/usr/bin/env bash
# The README's demo: builds the sample image source under .scratch/demo and runs examples/playbooks/demo.yml with the collection built from it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [[ $(id -u) -ne 0 ]]; then
  echo "The demo mounts an overlay in a private namespace and needs root: run sudo $0" >&2
  exit 1
fi
node scripts/make-sample.mjs .scratch/demo/srv/ltsp/sample
npm run --silent collection >&2
ansible-galaxy collection install --force -p .scratch/demo/collections dist-collection/ltsp-images-*.tar.gz >&2
ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$PWD/.scratch/demo/collections" exec ansible-playbook -i localhost, -c local examples/playbooks/demo.yml "$@"
