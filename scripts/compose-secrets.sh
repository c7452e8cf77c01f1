#!/usr/bin/env bash
# Writes the secrets docker-compose.yml reads, once (existing ones are kept):
#   scripts/compose-secrets.sh [WORKLIST_USER]
# secrets/ingest_tokens   bearer token(s) senders present on /fhir/*
# secrets/session_secret  key signing worklist sessions (shared by every worklist)
# secrets/worklist_users  WORKLIST_USER:bcrypt-hash (asks for the password)
# secrets/fhir_db_password  HAPI's PostgreSQL password
# .env                    RADFLAG_NATS_PASSWORD (NATS user radflag)
# Both secrets/ and .env are in .gitignore and .dockerignore.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p secrets
chmod 700 secrets

# Letters and digits only: the NATS password also goes into a URL.
rand() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "${1:-40}"; }

put() { # name value
  if [ -s "secrets/$1" ]; then
    echo "secrets/$1 exists; kept"
    return
  fi
  printf '%s\n' "$2" >"secrets/$1"
  # Readable inside the containers (they run as non-root); the directory
  # keeps other users of this machine out.
  chmod 644 "secrets/$1"
  echo "wrote secrets/$1"
}

put ingest_tokens "$(rand 40)"
put session_secret "$(rand 64)"
put fhir_db_password "$(rand 32)"
if [ ! -s secrets/worklist_users ]; then
  user="${1:-navigator}"
  if command -v radflag >/dev/null 2>&1; then
    passwd=(radflag passwd)
  else
    passwd=(go run ./cmd/radflag passwd)
  fi
  printf 'password for worklist user %s (8 to 72 characters): ' "$user" >&2
  IFS= read -rs pw
  echo >&2
  hash="$(printf '%s\n' "$pw" | "${passwd[@]}")"
  put worklist_users "$user:$hash"
fi
if ! grep -qs '^RADFLAG_NATS_PASSWORD=' .env; then
  echo "RADFLAG_NATS_PASSWORD=$(rand 40)" >>.env
  chmod 600 .env
  echo "wrote RADFLAG_NATS_PASSWORD to .env"
fi
