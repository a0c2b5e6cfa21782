// The parts of the system OpenSSL 3 that Vouch uses, plus real functions standing in for the
// function-like macros Swift cannot import. Only VouchCrypto (and later the TLS module) import
// this module, and they do so with `internal import`, so no C type leaks into a public API.
#ifndef VOUCH_COPENSSL_H
#define VOUCH_COPENSSL_H

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>

/// `BIO_get_mem_data`: the bytes written to a memory BIO so far.
long vouch_BIO_get_mem_data(BIO *bio, char **data);
/// `BIO_set_mem_eof_return`: what a read from an empty memory BIO returns (-1 = retry).
long vouch_BIO_set_mem_eof_return(BIO *bio, long value);
/// `OPENSSL_free`, and `OPENSSL_clear_free` (cleanses `length` bytes first: for secrets).
void vouch_OPENSSL_free(void *pointer);
void vouch_OPENSSL_clear_free(void *pointer, size_t length);

/// `SSL_CTX_set_min_proto_version` / `SSL_CTX_set_max_proto_version`.
int vouch_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int vouch_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
/// `SSL_CTX_set1_sigalgs_list`, `SSL_CTX_set1_client_sigalgs_list`, `SSL_CTX_set1_groups_list`.
int vouch_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list);
int vouch_SSL_CTX_set1_client_sigalgs_list(SSL_CTX *ctx, const char *list);
int vouch_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
/// The name of the key exchange group `SSL_get_negotiated_group` reports (a macro), or NULL.
const char *vouch_SSL_negotiated_group_name(SSL *ssl);
/// `SSL_CTX_set_mode` / `SSL_CTX_clear_mode`.
long vouch_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long vouch_SSL_CTX_clear_mode(SSL_CTX *ctx, long mode);
/// `SSL_CTX_set_session_cache_mode`.
long vouch_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
/// `SSL_get_ex_new_index` with no callbacks.
int vouch_SSL_get_ex_new_index(void);
/// `SSL_CTX_set_num_tickets` is a function, but keep its use explicit here for TLS 1.3.
int vouch_SSL_CTX_disable_tickets(SSL_CTX *ctx);
/// `SSL_OP_NO_TICKET` and `SSL_OP_NO_RENEGOTIATION` are built with the `SSL_OP_BIT` macro,
/// which Swift cannot import; these return the option bits.
uint64_t vouch_SSL_OP_NO_TICKET(void);
uint64_t vouch_SSL_OP_NO_RENEGOTIATION(void);

/// `EVP_PKEY_fromdata` with one octet-string parameter, the raw public key (`OSSL_PKEY_PARAM_PUB_KEY`),
/// on a context already set up by `EVP_PKEY_fromdata_init`. Returns the new key, or NULL.
/// (`EVP_PKEY_new_raw_public_key` does the same but creates and frees that context each call.)
EVP_PKEY *vouch_EVP_PKEY_fromdata_public_key(EVP_PKEY_CTX *ctx, const unsigned char *key, size_t length);

/// Writes `pkey` as PKCS#8 PEM; when `pass` is given the key is encrypted with PBES2
/// (PBKDF2-HMAC-SHA256 with a 16-byte random salt, `iterations`, AES-256-CBC). Returns a
/// secure-memory BIO holding the text (cleansed when freed).
BIO *vouch_write_private_key_pem(EVP_PKEY *pkey, const unsigned char *pass, size_t pass_len,
                                 int has_pass, int iterations);

#endif
