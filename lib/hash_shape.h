/* Could a stored value be a password hash, judged by its shape alone?  For
 * a value under a scheme name we do not know: a PowerMail 1.0 plaintext
 * password, or a hash of a scheme this version does not verify.  Only the
 * first may be given a {plain} prefix: done to a hash, the hash itself
 * would become the password. */
#ifndef PP_HASH_SHAPE_H
#define PP_HASH_SHAPE_H

/* The shape text (what follows a "{NAME}") has, as a short phrase ("crypt
 * $id$", "hex digest", ...), or NULL when it has none we know.  The phrase
 * says nothing of the text beyond its kind. */
const char *pp_hash_shape(const char *text);

#endif
