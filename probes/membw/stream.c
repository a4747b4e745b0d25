/* stream.c - see stream.h. (being written) */
