/* sender.c - (being written) */
