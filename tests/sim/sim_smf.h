/* sim_smf.h: SMF type 83 subtype 4 records (R_auditx remote auditing) as bytes: encoder, strict
 * decoder and one-line unload format (pure: no I/O, no clock). */
#ifndef ZR_SIM_SMF_H
#define ZR_SIM_SMF_H

/*
 * The record layout. Offsets are decimal from the start of the record, RDW included, as a z/OS
 * SMF dump data set holds it and a binary transfer keeps it. All binary fields are big-endian;
 * character fields are EBCDIC (code page 1047, sim_ebcdic.h), padded with EBCDIC blanks (0x40).
 * Evidence tags as in ictx-protocol.md §0: [C] IBM documentation, [P] the IBM-written plugin,
 * [I] our reading (no source found; a real record may differ).
 *
 * Header and self-defining section (ictx-protocol.md §10.1), 52 bytes:
 *    0 SMF83LEN  2 bin    record length incl. RDW                                  [C S12]
 *    2 SMF83SEG  2 bin    segment descriptor, 0 (not spanned)                      [C S12]
 *    4 SMF83FLG  1 bin    X'DE': subsystem id follows (bit 0), subtypes used (1),
 *                         MVS SP4+ (bits 3-6)                                      [C S12]
 *    5 SMF83RTY  1 bin    83 (X'53')                                               [C S12]
 *    6 SMF83TME  4 bin    hundredths of a second since midnight                    [C S12, S14]
 *   10 SMF83DTE  4 packed 0cyydddF, c = 1 for 20yy                                 [C S12, S14]
 *                         (the simulator stamps TME and DTE in UTC, like a z/OS whose
 *                         local time is GMT; real systems usually use local time)  [I]
 *   14 SMF83SID  4 EBCDIC system id (--system-id)                                  [C S12]
 *   18 SMF83SSI  4 EBCDIC "RACF"                                                   [C S12]
 *   22 SMF83TYP  2 bin    subtype 4                                                [C S11, S12]
 *   24 SMF83TRP  2 bin    number of triplets: 3                                    [C S12]
 *   26 SMF83XXX  2 bin    reserved, 0                                              [C S12]
 *   28 SMF83OPD  4 bin    offset of the product section (52)                       [C S12, S11]
 *   32 SMF83LPD  2 bin    its length (20)                                          [C S12]
 *   34 SMF83NPD  2 bin    number of product sections (1)                           [C S12]
 *   36 SMF83OD1  4 bin    offset of the security section (72)                      [C S12]
 *   40 SMF83LD1  2 bin    its length (52)                                          [C S12]
 *   42 SMF83ND1  2 bin    number of security sections (1)                         [C S12]
 *   44 SMF83OD2  4 bin    offset of the first relocate section (124)               [I]
 *   48 SMF83LD2  2 bin    total length of all relocate sections (they vary in
 *                         length, so one per-section length cannot describe them)  [I]
 *   50 SMF83ND2  2 bin    number of relocate sections                              [I]
 *
 * Product section, 20 bytes. IBM says it exists in every type 83 record [C S11]; its layout
 * for subtype 4 was not found, so all of this is ours [I], built from what R_auditx is given
 * (Component and FMID inputs [C S15/S16]):
 *    0 version   2 bin    1, the version of this (our) layout                      [I]
 *    2 reserved  2 bin    0                                                        [I]
 *    4 component 8 EBCDIC "ICTX", the R_auditx Component input                     [I]
 *   12 FMID      8 EBCDIC "SIMICTX", clearly not a real FMID                       [I]
 *
 * Security section, 52 bytes. Field names, order and widths from IBM's subtype 7 table
 * [C S13] with one change: the link value is 8 bytes, so every later field sits 4 bytes after
 * the offset that table prints. Why 8: R_auditx's Link_value is 8 bytes [C S9], IRRADU00
 * prints the type 83 link as 16 hex characters [C S19], and JZOS's generated Smf83Security
 * maps SMF83DF3 before SMF83LNK [C S15], which fits two 4-byte halves of one 8-byte value.
 *    0 SMF83LNK  8 bin    the item's LinkValue, unchanged (SMF83DF3 + SMF83LNK)    [I]
 *    8 SMF83DES  2 bin    descriptor flags: X'8000' violation (Violation TRUE),
 *                         X'4000' user not defined (never set), X'2000' record
 *                         truncated, X'1000' warning (profile has WARNING)         [I]
 *                         (the bit order of RACF's reformatted descriptor RCD80FLG
 *                         [C ich2a3], applied here)
 * (ich2a3 = RACF Macros and Interfaces, "Reformatted process records",
 *  https://ibm.com/docs/SSLTBW_2.4.0/com.ibm.zos.v2r4.icha300/ich2a3_Reformatted_process_records.htm)
 *   10 SMF83EVT  1 bin    Event (1-7)                                              [C S13; P S1]
 *   11 SMF83EVQ  1 bin    Qualifier (0-3)                                          [C S13; P S1]
 *   12 SMF83USR  8 EBCDIC the bind user                                            [C S13; I]
 *   20 SMF83GRP  8 EBCDIC its connect group; the simulator has no groups: "SYS1"   [C S13; I]
 *   28 SMF83REL  2 bin    reserved, 0                                              [C S13]
 *   30 SMF83CNT  2 bin    reserved, 0                                              [C S13]
 *   32 SMF83ATH  1 bin    authorities used, 0                                      [C S13; I]
 *   33 SMF83REA  1 bin    reason for logging: X'10' = the profile's AUDIT option
 *                         (the SMF80REA bit for that reason)                       [C S13; I]
 *   34 SMF83TLV  1 bin    terminal level, 0                                        [C S13]
 *   35 SMF83ERR  1 bin    command error flags, 0                                   [C S13]
 *   36 SMF83TRM  8 EBCDIC terminal id: blanks (by analogy with SMF80TRM)           [I]
 *   44 SMF83JBN  8 EBCDIC job name of the caller: "GLDSRV", the LDAP server task   [I]
 *
 * Relocate sections, from SMF83OD2 on, SMF83ND2 of them, back to back, SMF83LD2 bytes in all:
 *    0 type      2 bin    relocate type                                            [I]
 *    2 length    2 bin    length of the data that follows                          [I]
 *    4 data      length EBCDIC, not padded                                         [I]
 * A halfword type as in R_auditx's relocate input entry (TYPE halfword [C S15]); a halfword
 * length because DataField values exceed the 255 a one-byte SMF80-style length allows [I].
 * Types, in the order they are written:
 *    1 class                       (our number: RACF's code was not found)         [I]
 *    2 resource                    (ours)                                          [I]
 *    3 log string, as stored: "Remote audit request from USER. " + LogString
 *                                  (ours; prefix [P S5])                           [I]
 *    4 covering profile name       (ours; R_auditx knows it [C S17])               [I]
 *  100 SAF user id of the bind user                                                [P S1; I]
 *  101 bind identity: the bind DN as sent                                          [P S1; I]
 *  102-114 each DataField TYPE/VALUE, in request order                             [P S1/S5]
 *
 * A record never exceeds SMF_RECORD_MAX (32,760 bytes, the SMF limit [I]). When the DataFields
 * do not fit, the encoder writes those that do, cuts the first that does not to the room left,
 * drops the rest and sets X'2000' in SMF83DES.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMF_RECORD_MAX   32760
#define SMF_TYPE         83
#define SMF_SUBTYPE      4
#define SMF_FLG          0xDE
#define SMF_HEADER_LEN   52
#define SMF_PRODUCT_LEN  20
#define SMF_SECURITY_LEN 52
#define SMF_RELOC_HDR    4
#define SMF_FIXED_LEN    (SMF_HEADER_LEN + SMF_PRODUCT_LEN + SMF_SECURITY_LEN)

/* Header offsets. */
#define SMF83LEN 0
#define SMF83SEG 2
#define SMF83FLG 4
#define SMF83RTY 5
#define SMF83TME 6
#define SMF83DTE 10
#define SMF83SID 14
#define SMF83SSI 18
#define SMF83TYP 22
#define SMF83TRP 24
#define SMF83XXX 26
#define SMF83OPD 28
#define SMF83LPD 32
#define SMF83NPD 34
#define SMF83OD1 36
#define SMF83LD1 40
#define SMF83ND1 42
#define SMF83OD2 44
#define SMF83LD2 48
#define SMF83ND2 50

/* Product section offsets (ours). */
#define SMF_PRD_VERSION   0
#define SMF_PRD_COMPONENT 4
#define SMF_PRD_FMID      12

/* Security section offsets. */
#define SMF83LNK 0
#define SMF83DES 8
#define SMF83EVT 10
#define SMF83EVQ 11
#define SMF83USR 12
#define SMF83GRP 20
#define SMF83REL 28
#define SMF83CNT 30
#define SMF83ATH 32
#define SMF83REA 33
#define SMF83TLV 34
#define SMF83ERR 35
#define SMF83TRM 36
#define SMF83JBN 44

/* SMF83DES bits. */
#define SMF_DES_VIOLATION 0x8000u
#define SMF_DES_UNDEFINED 0x4000u
#define SMF_DES_TRUNCATED 0x2000u
#define SMF_DES_WARNING   0x1000u

#define SMF_REA_PROFILE 0x10u

/* Relocate types. */
#define SMF_R_CLASS     1
#define SMF_R_RESOURCE  2
#define SMF_R_LOGSTRING 3
#define SMF_R_PROFILE   4
#define SMF_R_BINDUSER  100
#define SMF_R_BINDDN    101

/* Text that is not NUL-terminated (ISO 8859-1 / ASCII on our side of the translation). */
struct smf_text {
	const char *p;
	size_t len;
};

struct smf_reloc {
	unsigned type;
	struct smf_text value;
};

/* When SMF took the record: a calendar day and the time of day. */
struct smf_time {
	int year;            /* 1900..2099 */
	int month, day;      /* 1..12, 1..31 */
	uint32_t hundredths; /* since midnight, < 8,640,000 */
};

/* One record, as the encoder takes it and the decoder returns it. */
struct smf_record {
	struct smf_time when;
	struct smf_text sid; /* 1..4 characters */
	unsigned subtype;    /* 4 */
	unsigned char link[8];
	unsigned des;                                   /* SMF_DES_* */
	unsigned event, qualifier;                      /* 0..255 */
	struct smf_text user, group, jobname, terminal; /* 0..8 characters each */
	struct smf_text component, fmid;                /* 0..8 characters each */
	unsigned rea;
	struct smf_reloc *relocs;
	size_t nrelocs;
};

/* 0cyydddF for a day (year 1900..2099); -1 when the date does not exist. */
int64_t smf_packed_date(int year, int month, int day);

/* The day of a packed date; -1 when it is not one (bad digit, sign not F, day > year length). */
int smf_unpack_date(uint32_t packed, int *year, int *month, int *day);

/* Encodes rec into buf (cap bytes, at least SMF_FIXED_LEN). Relocates that do not fit into
 * min(cap, SMF_RECORD_MAX) are cut or dropped as described above: *written is the number of
 * relocates written (the last maybe cut); when any byte was lost *truncated is true and
 * SMF_DES_TRUNCATED is set in the record. Fixed fields longer than their width are cut
 * (callers validate before). Returns the record length, 0 when cap is below SMF_FIXED_LEN. */
size_t smf_encode(const struct smf_record *rec, unsigned char *buf, size_t cap, size_t *written,
                  bool *truncated);

/* A decoded record: rec's texts point into text; free with smf_decoded_free. */
struct smf_decoded {
	struct smf_record rec;
	size_t len; /* SMF83LEN */
	char *text;
};

/* Decodes the record at p (avail bytes from there to the end of the data). Checks the RDW
 * (length 52..32,760 and within avail, segment 0), type 83, subtype 4, the triplet count, every
 * section within the record, the relocate walk against SMF83LD2/SMF83ND2, the packed date and
 * the time. Returns 0, -1 with a reason in why ("SMF83OD1 200 + SMF83LD1 52 ends past record
 * length 180"), or -2 when out of memory. On -1, *len is the RDW length when the RDW itself was
 * usable (so a reader can skip to the next record) and 0 otherwise. */
int smf_decode(const unsigned char *p, size_t avail, struct smf_decoded *out, size_t *len,
               char *why, size_t whylen);
void smf_decoded_free(struct smf_decoded *d);

/* The unload line for a record, without newline, into a malloc()ed string (NULL when out of
 * memory). Format: "YYYY-MM-DD HH:MM:SS.hh KEY=VALUE ..." with keys SID SUBTYPE LINK EVENT QUAL
 * VIOL WARN TRUNC USER GROUP JOB COMPONENT FMID, then one per relocate in record order: CLASS,
 * RESOURCE, LOG, PROFILE for types 1-4, else R<type>. A value is written bare when it is
 * non-empty and only letters, digits and @#$%*._- ; otherwise in double quotes with \" \\ and
 * \xNN for bytes outside 0x20..0x7E, so a line splits back into its values without doubt. */
char *smf_unload_line(const struct smf_record *rec);

/* Appends the quoted-or-bare form of s to out (a buffer of at least 4 * len + 3 bytes);
 * returns the bytes written. Exposed for the tests' parser. */
size_t smf_unload_value(char *out, const char *s, size_t len);

#endif
