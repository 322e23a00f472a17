/* sim_ebcdic.h: ASCII/ISO 8859-1 <-> EBCDIC code page 1047 translation (pure, table driven). */
#ifndef ZR_SIM_EBCDIC_H
#define ZR_SIM_EBCDIC_H

#include <stddef.h>

#define EBCDIC_BLANK 0x40 /* the padding of EBCDIC character fields */

/* The IBM CDRA mapping between CCSID 1047 (Latin-1/Open Systems EBCDIC) and CCSID 819
 * (ISO 8859-1), both ways; it is a bijection on 0..255. Bytes 0x20..0x7E are ASCII. Newline
 * follows CDRA: ASCII LF 0x0A <-> EBCDIC 0x25, NEL 0x85 <-> 0x15 (z/OS UNIX swaps these two;
 * ICTX values are printable ASCII, so it never matters here). */
extern const unsigned char ebcdic_from_latin1[256];
extern const unsigned char ebcdic_to_latin1[256];

/* dst[i] = EBCDIC of src[i] for n bytes (dst and src may be the same buffer). */
void ebcdic_encode(unsigned char *dst, const char *src, size_t n);

/* dst[i] = ISO 8859-1 of src[i] for n bytes; dst holds n + 1 bytes and is NUL-terminated. */
void ebcdic_decode(char *dst, const unsigned char *src, size_t n);

/* A blank-padded EBCDIC character field of width bytes: src (n bytes) translated, cut to width,
 * then EBCDIC blanks. Returns the number of source bytes that did not fit (0 = all). */
size_t ebcdic_field(unsigned char *dst, size_t width, const char *src, size_t n);

/* The length of an EBCDIC field without its trailing EBCDIC blanks. */
size_t ebcdic_trimmed(const unsigned char *src, size_t width);

#endif
