#!/bin/sh
# Writes the Ed25519 key file the web UI's code encrypts, which the Python key store must open
# (tests/unit/cli/test_keystore.py). Run once from the repository's root after `npm ci` in
# sdk/typescript; the salt and IV are random, so each run gives a different, equally valid file.
set -eu
here=tests/vectors/key_files
seed=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
passphrase="correct horse battery staple ✓"
sdk/typescript/node_modules/.bin/tsx "$here/interop.mts" encrypt "$seed" "$passphrase" \
  > "$here/from-web-ui.json"
