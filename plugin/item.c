/* item.c - (being written) */
