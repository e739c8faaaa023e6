/*
 * fuzz-jlpipe.c: fuzz-jl with the pipe comparison: the same input read from
 * memory and through a pipe in pieces of 1..64 bytes gives the same records
 * and errors (see fuzz-jl.c).
 */
#define JL_PIPE	1
#include "fuzz-jl.c"
