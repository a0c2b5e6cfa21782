/*
 * The parts of a cold Ed25519 verification in OpenSSL 3.0, measured in C without Vouch
 * (Docs/benchmarks.md, "Ed25519 cold path"). 1,000 keys, each signing its own 120-byte message
 * (about a profile document's signature input); one mode per run:
 *
 *   warm20    one key, one 20-byte message, context set up once (what `openssl speed` times)
 *   warm120   the same with a 120-byte message
 *   samekey   one key and context, 1,000 distinct messages and signatures
 *   known     1,000 keys with contexts set up beforehand, in turn
 *   raw       EVP_PKEY_new_raw_public_key alone (+ free)
 *   fromdata  EVP_PKEY_fromdata on a context set up once, alone (+ free)
 *   context   fromdata + EVP_MD_CTX_new + EVP_DigestVerifyInit (+ frees), no verify
 *   cold-raw  raw + new context + verify: Vouch's cold path before
 *   cold      fromdata + new context + verify: Vouch's cold path now
 *
 *   cc -O2 -o ed25519-cold-parts Docs/tools/ed25519-cold-parts.c -lcrypto
 *   ./ed25519-cold-parts MODE [SECONDS]            # rate per CPU second
 *   valgrind --tool=callgrind --toggle-collect=run ./ed25519-cold-parts MODE 0 1000
 *                                                  # instructions for 1,000 operations
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 1000
#define LEN 120
static unsigned char pub[N][32], sig[N][64], msg[N][LEN], sig0[N][64], sig20[64];
static EVP_PKEY_CTX *builder;
static EVP_MD_CTX *one, *known[N];

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}
static void sign(EVP_PKEY *key, const unsigned char *m, size_t len, unsigned char *out) {
    size_t l = 64;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(c, NULL, NULL, NULL, key) != 1 || EVP_DigestSign(c, out, &l, m, len) != 1) abort();
    EVP_MD_CTX_free(c);
}
static EVP_PKEY *raw(int i) { return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub[i], 32); }
static EVP_PKEY *fromdata(int i) {
    OSSL_PARAM p[2] = { OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub[i], 32),
                        OSSL_PARAM_construct_end() };
    EVP_PKEY *k = NULL;
    return EVP_PKEY_fromdata(builder, &k, EVP_PKEY_PUBLIC_KEY, p) == 1 ? k : NULL;
}
static int verify_new(EVP_PKEY *k, int i, int check) {
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    int ok = k != NULL && EVP_DigestVerifyInit(m, NULL, NULL, NULL, k) == 1
             && (!check || EVP_DigestVerify(m, sig[i], 64, msg[i], LEN) == 1);
    EVP_MD_CTX_free(m);
    EVP_PKEY_free(k);
    return ok;
}

__attribute__((noinline)) void run(const char *mode, double seconds, long fixed) {
    long n = 0, failures = 0;
    double start = cpu(), elapsed;
    do {
        for (long r = 0; r < (fixed ? fixed : 100); r++, n++) {
            int i = (int)(n % N), ok;
            if (!strcmp(mode, "warm20")) ok = EVP_DigestVerify(one, sig20, 64, msg[0], 20) == 1;
            else if (!strcmp(mode, "warm120")) ok = EVP_DigestVerify(one, sig0[0], 64, msg[0], LEN) == 1;
            else if (!strcmp(mode, "samekey")) ok = EVP_DigestVerify(one, sig0[i], 64, msg[i], LEN) == 1;
            else if (!strcmp(mode, "known")) ok = EVP_DigestVerify(known[i], sig[i], 64, msg[i], LEN) == 1;
            else if (!strcmp(mode, "raw")) { EVP_PKEY *k = raw(i); ok = k != NULL; EVP_PKEY_free(k); }
            else if (!strcmp(mode, "fromdata")) { EVP_PKEY *k = fromdata(i); ok = k != NULL; EVP_PKEY_free(k); }
            else if (!strcmp(mode, "context")) ok = verify_new(fromdata(i), i, 0);
            else if (!strcmp(mode, "cold-raw")) ok = verify_new(raw(i), i, 1);
            else if (!strcmp(mode, "cold")) ok = verify_new(fromdata(i), i, 1);
            else { fprintf(stderr, "unknown mode %s\n", mode); exit(2); }
            if (!ok) failures++;
        }
        elapsed = cpu() - start;
    } while (!fixed && elapsed < seconds);
    printf("%-9s %9.0f /s  %7.2f us each  failures %ld\n", mode, n / elapsed, elapsed / n * 1e6, failures);
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s MODE [SECONDS [FIXED_COUNT]]\n", argv[0]); return 2; }
    EVP_PKEY *first = NULL;
    srand(1);
    for (int i = 0; i < N; i++) {
        EVP_PKEY *k = NULL;
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
        if (EVP_PKEY_keygen_init(c) != 1 || EVP_PKEY_keygen(c, &k) != 1) abort();
        EVP_PKEY_CTX_free(c);
        size_t l = 32;
        EVP_PKEY_get_raw_public_key(k, pub[i], &l);
        for (int j = 0; j < LEN; j++) msg[i][j] = (unsigned char)rand();
        sign(k, msg[i], LEN, sig[i]);
        known[i] = EVP_MD_CTX_new();
        if (EVP_DigestVerifyInit(known[i], NULL, NULL, NULL, k) != 1) abort();
        if (i == 0) first = k; else EVP_PKEY_free(k);
    }
    for (int i = 0; i < N; i++) sign(first, msg[i], LEN, sig0[i]);
    sign(first, msg[0], 20, sig20);
    one = EVP_MD_CTX_new();
    if (EVP_DigestVerifyInit(one, NULL, NULL, NULL, first) != 1) abort();
    builder = EVP_PKEY_CTX_new_from_name(NULL, "ED25519", NULL);
    if (builder == NULL || EVP_PKEY_fromdata_init(builder) != 1) abort();
    run(argv[1], argc > 2 ? atof(argv[2]) : 2, argc > 3 ? atol(argv[3]) : 0);
    return 0;
}
