/* setaside.h - the set-aside file: items the server will not take.
 *
 * One JSON object per line, appended and synced per line (rare, and each
 * one is a compliance record):
 *   {"time":"2026-11-22T14:00:00Z","reason":"VAL_ERR","major":16,
 *    "minor1":8,"minor2":32,"minor3":0,"detail":"Resource: incorrect length",
 *    "serial":1234,"tag":77,"attempts":1,"resource":"SYSCALL",
 *    "der":"3081..."}
 * "der" is the complete ICTX Item as sent, in hex: `xxd -r -p | openssl
 * asn1parse -inform DER -i` shows every field, and the bytes can be sent
 * again in a request once the cause is fixed. Mode 0600.
 *
 * Owner: the sender thread writes; main opens and closes. Not thread-safe. */
#ifndef ZR_SETASIDE_H
#define ZR_SETASIDE_H

#include "event.h"

struct set_aside;

struct set_aside *set_aside_open(const char *path, char *err, size_t errlen);
void set_aside_close(struct set_aside *sa);
/* Write one line for item it of e. 0 or -1 (errno). */
int set_aside_write(struct set_aside *sa, const struct qevent *e, const struct qitem *it,
                    const char *reason, int major, int minor1, int minor2, int minor3,
                    const char *detail);
const char *set_aside_path(const struct set_aside *sa);

#endif
