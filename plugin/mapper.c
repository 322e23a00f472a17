/* mapper.c - (being written) */
