/*
 * tls.h - certificates for a trial county server: a self-signed CA and a
 * server certificate for 127.0.0.1 and localhost, made with GnuTLS. A
 * real deployment sets its own certificate and key in server.conf.
 */
#ifndef LD_TLS_H
#define LD_TLS_H

#include <jansson.h>

#include "hash.h"

/* Writes ca.pem, ca-key.pem, server.pem and server-key.pem into dir
 * (keys mode 0600) and fills pin with the server key's pin. The server
 * certificate names localhost and 127.0.0.1, and each of hosts (a JSON
 * array of host names and IP addresses, or NULL). */
int tls_make_trial_certs(const char *dir, const char *county,
    const json_t *hosts, char pin[HASH_B64], char *err);

/* The pin (base64 SHA-256 of the SubjectPublicKeyInfo) of the first
 * certificate in a PEM file. */
int tls_cert_pin(const char *pem_path, char pin[HASH_B64], char *err);

#endif
