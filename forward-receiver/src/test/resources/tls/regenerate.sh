#!/usr/bin/env bash
# Test-only PKI: a CA, a server certificate for localhost/127.0.0.1 and a client certificate.
# Not secret; regenerate with this script (openssl) if they ever need changing.
set -euo pipefail
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 36500 -subj "/CN=dls test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key.pkcs1 -out server.csr -subj "/CN=localhost" 2>/dev/null
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 36500 -extfile server.ext 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout client.key.pkcs1 -out client.csr -subj "/CN=test client" 2>/dev/null
printf "extendedKeyUsage=clientAuth\n" > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 36500 -extfile client.ext 2>/dev/null
# Netty wants PKCS#8 keys.
openssl pkcs8 -topk8 -nocrypt -in server.key.pkcs1 -out server.key
openssl pkcs8 -topk8 -nocrypt -in client.key.pkcs1 -out client.key
rm -f server.csr client.csr server.ext client.ext server.key.pkcs1 client.key.pkcs1 ca.srl
