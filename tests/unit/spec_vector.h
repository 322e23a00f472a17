/* spec_vector.h - the one-item request of ictx-protocol.md §5, byte for
 * byte from the spec's listing: tag 1, @LINUX SYSCALL, relocates 113 and 114.
 *
 * One copy for the plugin's encoder test (check_ictx), the simulator's
 * decoder test (check_sim_ictx) and the end-to-end test (check_sim_server):
 * encoder and decoder are held to the same bytes, and a change to the
 * listing is made once. */
#ifndef ZR_TEST_SPEC_VECTOR_H
#define ZR_TEST_SPEC_VECTOR_H

static const unsigned char spec_vector[] = {
        0x30, 0x7e, 0x02, 0x01, 0x01, 0x30, 0x79, 0x30, 0x77, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01,
        0x04, 0x08, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x02, 0x01,
        0x02, 0x02, 0x01, 0x00, 0x16, 0x06, '@',  'L',  'I',  'N',  'U',  'X',  0x16, 0x07, 'S',
        'Y',  'S',  'C',  'A',  'L',  'L',  0x16, 0x18, 'L',  'i',  'n',  'u',  'x',  ' ',  '(',
        'h',  ')',  ':',  ' ',  't',  'y',  'p',  'e',  ':',  ' ',  'S',  'Y',  'S',  'C',  'A',
        'L',  'L',  0x30, 0x31, 0x30, 0x1d, 0x02, 0x01, 0x71, 0x16, 0x18, 'T',  'h',  'u',  ' ',
        'J',  'a',  'n',  ' ',  ' ',  '1',  ' ',  '0',  '0',  ':',  '0',  '0',  ':',  '0',  '0',
        ' ',  '1',  '9',  '7',  '0',  0x30, 0x10, 0x02, 0x01, 0x72, 0x16, 0x0b, 'a',  'r',  'c',
        'h',  '=',  'x',  '8',  '6',  '_',  '6',  '4',
};

#endif
