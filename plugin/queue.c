/* queue.c - (being written) */
