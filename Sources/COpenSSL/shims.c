#include "COpenSSL.h"
#include <limits.h>
#include <string.h>

long vouch_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
long vouch_BIO_set_mem_eof_return(BIO *bio, long value) { return BIO_set_mem_eof_return(bio, value); }
void vouch_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }
void vouch_OPENSSL_clear_free(void *pointer, size_t length) { OPENSSL_clear_free(pointer, length); }

int vouch_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
int vouch_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
int vouch_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_sigalgs_list(ctx, list);
}
int vouch_SSL_CTX_set1_client_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_client_sigalgs_list(ctx, list);
}
int vouch_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}
const char *vouch_SSL_negotiated_group_name(SSL *ssl) {
    int nid = SSL_get_negotiated_group(ssl);
    return nid == 0 ? NULL : SSL_group_to_name(ssl, nid);
}
long vouch_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
long vouch_SSL_CTX_clear_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_clear_mode(ctx, mode); }
long vouch_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
int vouch_SSL_get_ex_new_index(void) { return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }
int vouch_SSL_CTX_disable_tickets(SSL_CTX *ctx) { return SSL_CTX_set_num_tickets(ctx, 0); }
uint64_t vouch_SSL_OP_NO_TICKET(void) { return (uint64_t)SSL_OP_NO_TICKET; }
uint64_t vouch_SSL_OP_NO_RENEGOTIATION(void) { return (uint64_t)SSL_OP_NO_RENEGOTIATION; }

EVP_PKEY *vouch_EVP_PKEY_fromdata_public_key(EVP_PKEY_CTX *ctx, const unsigned char *key, size_t length) {
    OSSL_PARAM params[2];
    /* OSSL_PARAM takes a non-const pointer; EVP_PKEY_fromdata only reads it. */
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)key, length);
    params[1] = OSSL_PARAM_construct_end();
    EVP_PKEY *pkey = NULL;
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) return NULL;
    return pkey;
}

BIO *vouch_write_private_key_pem(EVP_PKEY *pkey, const unsigned char *pass, size_t pass_len,
                                 int has_pass, int iterations) {
    /* A secure-memory BIO: its buffer is cleansed when freed (it may hold the key unencrypted). */
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) return NULL;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
    if (p8 == NULL) { BIO_free(bio); return NULL; }
    int ok;
    if (has_pass) {
        /* A NULL salt with a length asks OpenSSL for that many random bytes: 16, not its default 8. */
        X509_SIG *enc = PKCS8_encrypt(-1, EVP_aes_256_cbc(), (const char *)pass, (int)pass_len,
                                      NULL, 16, iterations, p8);
        ok = enc != NULL && PEM_write_bio_PKCS8(bio, enc);
        X509_SIG_free(enc);
    } else {
        ok = PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio, p8);
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    if (!ok) { BIO_free(bio); return NULL; }
    return bio;
}
