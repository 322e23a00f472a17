/* session.c - (being written) */
