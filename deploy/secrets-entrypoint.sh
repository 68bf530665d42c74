#!/bin/sh
# Rasa and the action server read their tokens (and endpoints.yml its ${...} values) from the
# environment; docker compose mounts each secret as a file. This exports /run/secrets/<name> as
# <NAME> (rasa_token -> RASA_TOKEN) and then runs the command in this process's place. The
# values never appear in the image, the compose file or `docker inspect`. Prints nothing.
set -eu
# Another folder only for the tests (tests/test_deployment_files.py).
secrets_dir=${SECRETS_DIR:-/run/secrets}
if [ -d "$secrets_dir" ]; then
    for file in "$secrets_dir"/*; do
        [ -f "$file" ] || continue
        name=$(basename "$file" | tr '[:lower:]' '[:upper:]')
        value=$(cat "$file")
        export "$name=$value"
    done
fi
exec "$@"
