#!/usr/bin/env bash
# Create the Docker secrets docker-compose.yml expects, for local trials, in
# docker/secrets/: batchloader.pem/.key (a client certificate, as the seed's
# `bin/clientcert batchloader` makes), repository.pem (the certificate that
# signs the repository's TLS certificate) and plastrond_ssh_key (an SSH key
# for SFTP). Existing files are kept, so real ones can be put there instead
# (for fcrepo-vagrant: its dist/fcrepo/ssl/crt/fcrepolocal.crt as
# repository.pem and the batchloader pair from bin/clientcert).
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"
mkdir -p "$dir"
cd "$dir"
if [[ ! -f repository.pem ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=plastrond local CA" \
    -keyout repository-ca.key -out repository.pem 2>/dev/null
fi
if [[ ! -f batchloader.pem || ! -f batchloader.key ]]; then
  openssl req -newkey rsa:2048 -nodes -subj "/CN=batchloader" \
    -keyout batchloader.key -out batchloader.csr 2>/dev/null
  if [[ -f repository-ca.key ]]; then
    openssl x509 -req -in batchloader.csr -CA repository.pem -CAkey repository-ca.key \
      -CAcreateserial -days 365 -out batchloader.pem 2>/dev/null
  else
    openssl x509 -req -in batchloader.csr -signkey batchloader.key -days 365 \
      -out batchloader.pem 2>/dev/null
  fi
  rm -f batchloader.csr
fi
if [[ ! -f plastrond_ssh_key ]]; then
  ssh-keygen -q -t ed25519 -N "" -C plastrond -f plastrond_ssh_key
fi
# Readable by the container user (uid 10001): docker compose (without swarm)
# bind-mounts file secrets with these permissions. Keep real keys elsewhere.
chmod 644 ./*.key plastrond_ssh_key
echo "secrets in $dir: $(ls "$dir" | tr '\n' ' ')"
