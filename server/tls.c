/*
 * tls.c - the server's GnuTLS (the only file including it): trial
 * certificates, and checking the TLS priority string before it is used.
 */
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"
#include "util.h"

#define YEARS(n) ((time_t)(n) * 365 * 24 * 3600)

static int
gfail(char *err, const char *what, int rc)
{
	return ld_fail(err, LD_EINTERNAL, "%s: %s", what, gnutls_strerror(rc));
}

static int
write_file(const char *dir, const char *name, const gnutls_datum_t *d,
    int mode, char *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	ssize_t n;

	if (fd < 0) {
		int rc = ld_fail(err, LD_EEXIST, _("cannot create '%s'"), path);
		free(path);
		return rc;
	}
	n = write(fd, d->data, d->size);
	if (n != (ssize_t)d->size || fsync(fd) != 0) {
		int rc = ld_fail(err, LD_EFULL, _("cannot write '%s'"), path);
		close(fd);
		free(path);
		return rc;
	}
	close(fd);
	free(path);
	return 0;
}

static int
new_key(gnutls_x509_privkey_t *key, char *err)
{
	int rc;

	if ((rc = gnutls_x509_privkey_init(key)) < 0)
		return gfail(err, "key", rc);
	rc = gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	return rc < 0 ? gfail(err, "key generation", rc) : 0;
}

/* Common fields of both certificates. */
static int
cert_base(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn,
    unsigned char serial, int years)
{
	time_t now = time(NULL);
	unsigned char ser[8];
	int rc;

	gnutls_rnd(GNUTLS_RND_NONCE, ser, sizeof ser);
	ser[0] = (unsigned char)((ser[0] & 0x7f) | 0x01);
	ser[7] = serial;
	if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, ser, sizeof ser)) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt, now + YEARS(years))) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
	    0, cn, (unsigned)strlen(cn))) < 0 ||
	    (rc = gnutls_x509_crt_set_key(crt, key)) < 0)
		return rc;
	return 0;
}

/* Adds each of hosts (a host name, or an IPv4 or IPv6 address) to the
 * certificate's subject alternative names. */
static int
add_names(gnutls_x509_crt_t crt, const json_t *hosts, char *err)
{
	unsigned char addr[16];
	json_t *h;
	size_t i;
	int rc;

	json_array_foreach(hosts, i, h) {
		const char *name = json_string_value(h);

		if (inet_pton(AF_INET, name, addr) == 1)
			rc = gnutls_x509_crt_set_subject_alt_name(crt,
			    GNUTLS_SAN_IPADDRESS, addr, 4, GNUTLS_FSAN_APPEND);
		else if (inet_pton(AF_INET6, name, addr) == 1)
			rc = gnutls_x509_crt_set_subject_alt_name(crt,
			    GNUTLS_SAN_IPADDRESS, addr, 16, GNUTLS_FSAN_APPEND);
		else
			rc = gnutls_x509_crt_set_subject_alt_name(crt,
			    GNUTLS_SAN_DNSNAME, name, (unsigned)strlen(name),
			    GNUTLS_FSAN_APPEND);
		if (rc < 0)
			return ld_fail(err, LD_EINVAL,
			    _("cannot put '%s' in the certificate: %s"), name,
			    gnutls_strerror(rc));
	}
	return 0;
}

int
tls_make_trial_certs(const char *dir, const char *county, const json_t *hosts,
    char pin[HASH_B64], char *err)
{
	gnutls_x509_privkey_t cakey = NULL, key = NULL;
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_datum_t d = { NULL, 0 };
	unsigned char keyid[64];
	size_t keyid_len = sizeof keyid;
	static const unsigned char lo[4] = { 127, 0, 0, 1 };
	char *cn;
	int rc;

	if ((rc = new_key(&cakey, err)) != 0 || (rc = new_key(&key, err)) != 0)
		goto out;
	if ((rc = gnutls_x509_crt_init(&ca)) < 0 ||
	    (rc = gnutls_x509_crt_init(&crt)) < 0) {
		rc = gfail(err, "certificate", rc);
		goto out;
	}
	cn = xasprintf("Liandong trial CA (%s)", county);
	rc = cert_base(ca, cakey, cn, 1, 10);
	free(cn);
	if (rc < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(ca, 1, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN |
	    GNUTLS_KEY_CRL_SIGN)) < 0 ||
	    (rc = gnutls_x509_crt_get_key_id(ca, 0, keyid, &keyid_len)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(ca, keyid, keyid_len)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(ca, ca, cakey, GNUTLS_DIG_SHA256, 0)) < 0) {
		rc = gfail(err, "CA certificate", rc);
		goto out;
	}
	if ((rc = cert_base(crt, key, "localhost", 2, 5)) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt,
	    GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
	    "localhost", 9, GNUTLS_FSAN_APPEND)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt,
	    GNUTLS_SAN_IPADDRESS, lo, 4, GNUTLS_FSAN_APPEND)) < 0) {
		rc = gfail(err, "server certificate", rc);
		goto out;
	}
	if ((rc = add_names(crt, hosts, err)) != 0)
		goto out;
	if ((rc = gnutls_x509_crt_set_authority_key_id(crt, keyid,
	    keyid_len)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(crt, ca, cakey, GNUTLS_DIG_SHA256, 0)) < 0) {
		rc = gfail(err, "server certificate", rc);
		goto out;
	}
#define EXPORT(fn, obj, name, mode) \
	if ((rc = fn(obj, GNUTLS_X509_FMT_PEM, &d)) < 0) { \
		rc = gfail(err, "export", rc); \
		goto out; \
	} \
	rc = write_file(dir, name, &d, mode, err); \
	gnutls_free(d.data); \
	d.data = NULL; \
	if (rc != 0) \
		goto out;
	EXPORT(gnutls_x509_crt_export2, ca, "ca.pem", 0644)
	EXPORT(gnutls_x509_privkey_export2, cakey, "ca-key.pem", 0600)
	EXPORT(gnutls_x509_crt_export2, crt, "server.pem", 0644)
	EXPORT(gnutls_x509_privkey_export2, key, "server-key.pem", 0600)
#undef EXPORT
	{
		char *path = xasprintf("%s/server.pem", dir);
		rc = tls_cert_pin(path, pin, err);
		free(path);
	}
out:
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(cakey);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

int
tls_cert_expiry(const char *pem_path, int64_t *not_after_ms, char *err)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_crt_t crt = NULL;
	time_t t;
	int rc;

	if (gnutls_load_file(pem_path, &pem) < 0)
		return ld_fail(err, LD_ECONFIG, _("cannot read certificate '%s'"),
		    pem_path);
	if ((rc = gnutls_x509_crt_init(&crt)) < 0 ||
	    (rc = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM)) < 0 ||
	    (t = gnutls_x509_crt_get_expiration_time(crt)) == (time_t)-1)
		rc = ld_fail(err, LD_ECONFIG, _("bad certificate '%s'"), pem_path);
	else {
		*not_after_ms = (int64_t)t * 1000;
		rc = 0;
	}
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
tls_cert_pin(const char *pem_path, char pin[HASH_B64], char *err)
{
	gnutls_datum_t pem = { NULL, 0 }, der = { NULL, 0 };
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	int rc;

	if ((rc = gnutls_load_file(pem_path, &pem)) < 0)
		return ld_fail(err, LD_ECONFIG, _("cannot read certificate '%s'"),
		    pem_path);
	if ((rc = gnutls_x509_crt_init(&crt)) < 0 ||
	    (rc = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM)) < 0 ||
	    (rc = gnutls_pubkey_init(&pub)) < 0 ||
	    (rc = gnutls_pubkey_import_x509(pub, crt, 0)) < 0 ||
	    (rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der)) < 0) {
		rc = ld_fail(err, LD_ECONFIG, _("bad certificate '%s': %s"),
		    pem_path, gnutls_strerror(rc));
	} else {
		hash_base64(der.data, der.size, pin);
		rc = 0;
	}
	gnutls_free(der.data);
	gnutls_free(pem.data);
	gnutls_pubkey_deinit(pub);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

const char *
tls_priorities(const char *conf)
{
	return conf != NULL && *conf != '\0' ? conf :
	    TLS_PRIORITIES_DEFAULT ":%DISABLE_TLS13_COMPAT_MODE";
}

int
tls_priorities_check(const char *conf, char *err)
{
	const char *p = tls_priorities(conf), *at = NULL;
	gnutls_priority_t cache;
	const unsigned *versions;
	int rc;

	rc = gnutls_priority_init(&cache, p, &at);
	if (rc == GNUTLS_E_NO_PRIORITIES_WERE_SET)
		return ld_fail(err, LD_ECONFIG,
		    _("invalid tls_priorities in server.conf: '%s' leaves no TLS version or no cipher suite"),
		    p);
	if (rc < 0) {
		if (at == NULL || *at == '\0')
			at = p;
		return ld_fail(err, LD_ECONFIG,
		    _("invalid tls_priorities in server.conf: GnuTLS does not accept '%.*s' in '%s' (%s)%s"),
		    (int)strcspn(at, ":"), at, p, gnutls_strerror(rc),
		    strlen(p) >= 180 ?
		    _("; a server.conf line is read up to 199 bytes: was it cut?") :
		    "");
	}
	rc = gnutls_priority_protocol_list(cache, &versions);
	gnutls_priority_deinit(cache);
	if (rc <= 0)
		return ld_fail(err, LD_ECONFIG,
		    _("invalid tls_priorities in server.conf: '%s' leaves no TLS version or no cipher suite"),
		    p);
	return 0;
}

/*
 * The session ticket key: one per listener (http_start makes it, a reload
 * makes a new one with the new listener, http_stop forgets it), kept in
 * memory only, never written anywhere: a reload or a restart makes every
 * ticket unusable, so that each station's next connection is a full
 * handshake, verified against the certificate then in use (a new one, say,
 * that a station missed the CA of). GnuTLS uses it as a master key from
 * which it derives the key that encrypts tickets, a new one every
 * TLS_TICKET_LIFETIME seconds (tickets of the period before still
 * decrypt), and accepts a ticket for TLS_TICKET_LIFETIME.
 */
struct tls_tickets {
	gnutls_datum_t key;
	gnutls_priority_t quiet; /* its priorities with %NO_TICKETS, or NULL */
};

/*
 * GnuTLS sends two new tickets after every TLS 1.3 handshake, a resumed
 * one included (about 550 bytes, half of what resuming saves), and MHD
 * starts the session with GnuTLS's default flags, so that
 * GNUTLS_NO_AUTO_SEND_TICKET cannot be given, nor one ticket asked for
 * instead of two. A resumed handshake is made quiet instead: when the
 * server's Finished is about to go, its priorities are set again, the
 * same ones with %NO_TICKETS, which sends no ticket (the one the station
 * resumed with stays valid for the rest of its lifetime; what that lets
 * an observer link: docs/security.md, "TLS session tickets").
 *
 * quiet belongs to the listener whose ticket key this is, made from its
 * own tls_priorities, and a connection reaches it through its own
 * session (gnutls_db_set_ptr: MHD uses the session's other pointer, and
 * no session cache is set, so that GnuTLS never reads this one): a reload
 * (a new listener with other settings, or a probe of them that failed)
 * changes nothing for the connections of another. GnuTLS counts a
 * priority's users, so that sessions holding one outlive it safely.
 */
struct tls_tickets *
tls_tickets_new(const char *conf)
{
	struct tls_tickets *t = xcalloc(1, sizeof *t);
	char *text = xasprintf("%s:%%NO_TICKETS", tls_priorities(conf));

	if (gnutls_session_ticket_key_generate(&t->key) < 0) {
		free(text);
		free(t);
		return NULL;
	}
	if (gnutls_priority_init(&t->quiet, text, NULL) < 0)
		t->quiet = NULL;
	free(text);
	return t;
}

void
tls_tickets_free(struct tls_tickets *t)
{
	if (t == NULL)
		return;
	if (t->quiet != NULL)
		gnutls_priority_deinit(t->quiet);
	gnutls_memset(t->key.data, 0, t->key.size);
	gnutls_free(t->key.data);
	free(t);
}

static int
on_finished(gnutls_session_t s, unsigned htype, unsigned when,
    unsigned incoming, const gnutls_datum_t *msg)
{
	const struct tls_tickets *t = gnutls_db_get_ptr(s);

	if (incoming || !gnutls_session_is_resumed(s) || t == NULL ||
	    t->quiet == NULL)
		return 0;
	gnutls_priority_set(s, t->quiet);
	return 0;
}

int
tls_tickets_enable(const struct tls_tickets *t, void *session)
{
	gnutls_session_t s = session;

	if (t == NULL || s == NULL)
		return -1;
	gnutls_db_set_cache_expiration(s, TLS_TICKET_LIFETIME);
	/* GnuTLS copies the key into the session. */
	if (gnutls_session_ticket_enable_server(s, &t->key) < 0)
		return -1;
	gnutls_db_set_ptr(s, (void *)t);
	gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_FINISHED,
	    GNUTLS_HOOK_PRE, on_finished);
	return 0;
}
