/* ictx.c - (being written) */
