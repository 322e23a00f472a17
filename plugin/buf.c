/* buf.c - (being written) */
