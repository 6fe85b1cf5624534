/*
 * zpl.h — ZPL II text for a 4x6 in shipping label (203 dpi, 812 x 1218
 * dots), the escaping that keeps user text from injecting printer commands,
 * and the word wrapping shared with the PDF label.
 *
 * Plain C99, no PostgreSQL headers: the glue (src/pg/labels.c) loads the
 * data, calls zpl_label(), copies the result into a text datum and frees it.
 * Every function reports failure by return code; none of them aborts.
 */
#ifndef LASTMILE_ZPL_H
#define LASTMILE_ZPL_H

#include <stddef.h>

/* Label geometry: 4 x 6 in at 203 dpi (8 dots/mm). */
#define ZPL_DPI			203
#define ZPL_WIDTH_DOTS	812
#define ZPL_HEIGHT_DOTS	1218

/* Return codes. */
#define ZPL_OK			0
#define ZPL_ENOMEM		1		/* out of memory */
#define ZPL_EBARCODE	2		/* tracking not encodable in Code 128 */
#define ZPL_EEMPTY		3		/* tracking is empty */

/* A growable, always NUL-terminated byte buffer (malloc'd). */
typedef struct ZplBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	int			oom;			/* set once an allocation failed */
} ZplBuf;

void		zpl_buf_init(ZplBuf *b);
void		zpl_buf_free(ZplBuf *b);
void		zpl_buf_append(ZplBuf *b, const char *s, size_t n);
void		zpl_buf_puts(ZplBuf *b, const char *s);
void		zpl_buf_printf(ZplBuf *b, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 2, 3)))
#endif
			;

/*
 * Appends the bytes s[0..n) as the data of a ^FH\ field: '^', '~', '\\' and
 * '_' become \XX hex escapes, control characters (C0 and DEL) become a
 * space, invalid UTF-8 becomes '?', valid UTF-8 is copied (the label
 * selects UTF-8 with ^CI28).  Nothing appended can end the field or start
 * a command.
 */
void		zpl_escape(ZplBuf *b, const char *s, size_t n);

/*
 * In place: control characters become spaces and bytes that are not valid
 * UTF-8 become '?', so that s can be handed to a library that insists on
 * valid UTF-8 text (cairo).  NULL is ignored.
 */
void		zpl_sanitize(char *s);

/* Number of UTF-8 code points in s[0..n) (invalid bytes count one each). */
size_t		zpl_utf8_chars(const char *s, size_t n);

/*
 * Word wrapping.  Splits s into at most max_lines lines no wider than
 * max_width as measured by measure(); breaks at spaces, and inside a word
 * (at a code point boundary) only when the word alone is too wide.  When
 * the text does not fit, the last line is shortened so that it plus the
 * ellipsis (measured by the caller as ellipsis_width) fits, and its
 * "truncated" flag is set.  Returns the number of lines (0 for empty or
 * blank text).  Lines point into s; leading/trailing spaces are trimmed.
 */
typedef double (*zpl_measure_fn) (const char *s, size_t n, void *arg);

typedef struct ZplLine
{
	const char *s;
	size_t		n;
	int			truncated;
} ZplLine;

int			zpl_wrap(const char *s, double max_width, int max_lines,
					 zpl_measure_fn measure, void *arg,
					 double ellipsis_width, ZplLine *lines);

/* measure() for zpl_wrap that counts code points (arg ignored). */
double		zpl_measure_chars(const char *s, size_t n, void *arg);

/*
 * Code 128 data check: the tracking number must be 1..40 printable ASCII
 * characters (0x20..0x7E) other than '>', which ZPL's ^BC reads as the
 * start of an invocation code even when hex-escaped.  Returns ZPL_OK, ZPL_EEMPTY or ZPL_EBARCODE.
 */
int			zpl_check_code128(const char *s);

/* Everything a label shows.  NULL strings print as empty. */
typedef struct ZplLabel
{
	const char *carrier;		/* carrier name (or id) */
	const char *service;		/* lastmile.service label */
	const char *ship_date;		/* YYYY-MM-DD */
	const char *sender_name;	/* origin place name */
	const char *sender_location;	/* e.g. "48.85661 N, 2.35222 E" */
	const char *recipient_name;
	const char *address;
	const char *postcode;
	const char *city;
	const char *country;
	const char *phone;
	const char *order_ref;
	long		package_no;		/* n of n/N */
	long		package_count;	/* N of n/N */
	double		weight_kg;		/* < 0 or NaN: not printed */
	const char *tracking;		/* printed as Code 128 and as text */
} ZplLabel;

/*
 * Builds the whole label (^XA ... ^XZ) into out (which must be
 * initialised).  Returns ZPL_OK or an error code; on error out may hold a
 * partial text that the caller frees.
 */
int			zpl_label(const ZplLabel *label, ZplBuf *out);

/* Code 128 module width (^BY) so that the symbol fits max_dots. */
int			zpl_code128_module(const char *tracking, int max_dots);

/* "2.5 kg" style weight: at most 2 decimals, no trailing zeros. */
void		zpl_format_weight(char *dst, size_t size, double kg);

#endif							/* LASTMILE_ZPL_H */
