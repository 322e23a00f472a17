#!/bin/sh
# mkcerts.sh DIR - a throwaway PKI for the TLS tests, made at test time (never committed).
#
#   ca.pem ca.key            test CA (trusted by the plugin and by the simulator)
#   server.pem server.key    localhost / 127.0.0.1, valid now
#   expired.pem expired.key  same names, validity ended in 2020
#   wronghost.pem .key       valid, but only for wrong.example
#   client.pem client.key    client certificate "CN=zosaudit,O=zos-remote test" (mapped)
#   unmapped.pem .key        client certificate from the CA, subject mapped to nobody
#   rogue-ca.pem             a CA nobody trusts; rogue.pem rogue.key: a client it signed
#   self.pem self.key        a self-signed server certificate for localhost
# Keys are EC P-256 (fast to make). Every file is 0600.
set -eu
d=$1
umask 077
mkdir -p "$d"
cd "$d"

san_local="subjectAltName=DNS:localhost,IP:127.0.0.1"

ca() { # name subject
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$1.key" -out "$1.pem" -days 2 -subj "$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

csr() { # name subject
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
}

# sign name ca extfile-line: signed by ca for 2 days
sign() {
	printf '%s\n' "$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
		-days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

ca ca "/O=zos-remote test/CN=zos-remote test CA"
ca rogue-ca "/O=rogue/CN=rogue CA"

csr server "/O=zos-remote test/CN=localhost"
sign server ca "$san_local"
csr wronghost "/O=zos-remote test/CN=wrong.example"
sign wronghost ca "subjectAltName=DNS:wrong.example"
csr client "/O=zos-remote test/CN=zosaudit"
sign client ca "extendedKeyUsage=clientAuth"
csr unmapped "/O=zos-remote test/CN=nobody"
sign unmapped ca "extendedKeyUsage=clientAuth"
csr rogue "/O=zos-remote test/CN=zosaudit"
sign rogue rogue-ca "extendedKeyUsage=clientAuth"
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	-keyout self.key -out self.pem -days 2 -subj "/CN=localhost" -addext "$san_local" 2>/dev/null

# Expired: OpenSSL 3.0's x509 has no -not_before/-not_after, so `openssl ca`
# with explicit dates signs it.
csr expired "/O=zos-remote test/CN=localhost"
mkdir -p ca.db
: >ca.db/index.txt
cat >ca.db/ca.cnf <<EOF
[ca]
default_ca = test
[test]
database = ca.db/index.txt
new_certs_dir = ca.db
serial = ca.db/serial
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
[any]
organizationName = optional
commonName = supplied
[ext]
$san_local
EOF
echo 1000 >ca.db/serial
openssl ca -batch -config ca.db/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
	-out expired.pem -startdate 20200101000000Z -enddate 20200201000000Z -notext 2>/dev/null
rm -f ./*.csr ./*.ext
chmod 0600 ./*.pem ./*.key
