#!/bin/sh
# DESIGN.md §4: libvigil has no network code. Fails if the shared library
# imports any socket, name-resolution or similar call.
set -eu
lib=$1
bad=$(nm -D --undefined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' |
    grep -E '^(socket|socketpair|connect|bind|listen|accept4?|send(to|msg)?|recv(from|msg)?|getaddrinfo|gethostbyname.*|getnameinfo|curl_.*|SSL_connect|BIO_new_connect)$' || true)
if [ -n "$bad" ]; then
    echo "libvigil imports network functions:" $bad >&2
    exit 1
fi
echo "no network imports in $lib"
