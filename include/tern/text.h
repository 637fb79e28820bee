/**
 * @file text.h
 * @brief Text a peer controls (certificate names, HTTP lines, MQTT strings), made safe to print.
 *
 * A server, or anyone who answers the TCP connection, chooses the bytes of its certificate's
 * names, of its HTTP status line and of its MQTT reason strings and server references. Printed
 * raw to a terminal, control characters among them are commands to that terminal (set the
 * title, clear the screen, move the cursor). Every message the library formats from such text
 * goes through tern_escape_text(); applications that print those strings themselves should too.
 */
#ifndef TERN_TEXT_H
#define TERN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/**
 * @brief The character at p: its length, and whether it is a control character.
 *
 * A character is a well-formed UTF-8 sequence (RFC 3629: 2 to 4 bytes) or else one byte.
 * Control characters are the C0 controls (bytes below 0x20), DEL (0x7f) and the C1 controls,
 * both as UTF-8 (C2 80..C2 9F) and as a byte 0x80..0x9F that starts no sequence (which 8-bit
 * terminals obey).
 * @param p the text; at least one byte
 * @param left bytes available at p (1 or more)
 * @param control set to 1 for a control character, 0 for anything else
 * @return The character's length in bytes, 1 to 4 (never more than left).
 *         No state; callable from any thread and from callbacks.
 */
size_t tern_text_next(const uint8_t *p, size_t left, int *control);

/**
 * @brief Copy text into out with every control character (see tern_text_next()) written
 *        as \\xNN, one escape per byte; always NUL-terminated.
 *
 * Text that does not fit is cut between characters, never inside one or its escape. A NUL
 * byte is a control character like any other: the whole of len is looked at.
 * @param out where the escaped text goes (owned by the caller)
 * @param cap size of out in bytes; 0 writes nothing
 * @param text the bytes to escape (may be NULL when len is 0); read only during the call
 * @param len number of bytes at text
 * @return The length written to out, without the NUL. No state; callable from any thread
 *         and from callbacks.
 */
size_t tern_escape_text(char *out, size_t cap, const void *text, size_t len);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
