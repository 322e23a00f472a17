/* input.c - (being written) */
