/* equalize-timing: a refusal costs at least one check in the default
 * scheme, so that how long it took does not tell an unknown address, a
 * forward or a mailbox with a cheap stored value from one whose value is a
 * default-scheme hash. */
#ifndef PP_EQUALIZE_H
#define PP_EQUALIZE_H

#include <stdbool.h>

/* A {crypt} yescrypt value at libxcrypt's default cost, of a password
 * nobody has: the check a padded refusal makes. */
extern const char pp_decoy[];

/* Must a wrong password against stored be padded?  Judged by cost class,
 * never by a clock: only a value known to cost at least the decoy
 * (pp_costs_at_least) is not. */
bool pp_needs_padding(const char *stored);

/* Check password against the decoy and throw the answer away. */
void pp_pad(const char *password);

/* How many times pp_pad ran in this process: what the tests count.  Not
 * exported from the module. */
unsigned long pp_pad_count(void);

#endif
