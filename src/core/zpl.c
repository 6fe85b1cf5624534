/*
 * zpl.c — ZPL II text of a 4x6 in shipping label, field escaping and word
 * wrapping (see zpl.h).
 *
 * Every piece of user text is written as the data of a "^FH\^FD...^FS"
 * field after zpl_escape(): the characters that could start a command
 * ('^' format prefix, '~' control prefix), the hex indicator '\\' and '_'
 * are written as \XX hex escapes, which the printer decodes only after it
 * has parsed the field, so a recipient called "^XZ^XA^FDx" prints as
 * itself and can neither end the label nor start another.
 */
#include "zpl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text area: a margin of 36 dots on each side. */
#define MARGIN		36
#define TEXT_WIDTH	(ZPL_WIDTH_DOTS - 2 * MARGIN)

/* Average advance of a ^A0 character, as a fraction of its height. */
#define A0_ADVANCE	0.5

#define CODE128_MAX_CHARS	40

/* ---------------------------------------------------------------- buffer */

void
zpl_buf_init(ZplBuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

void
zpl_buf_free(ZplBuf *b)
{
	free(b->data);
	zpl_buf_init(b);
}

/* Makes room for n more bytes plus the NUL; false (and oom) on failure. */
static int
buf_reserve(ZplBuf *b, size_t n)
{
	size_t		need;
	size_t		cap;
	char	   *p;

	if (b->oom)
		return 0;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
	{
		b->oom = 1;
		return 0;
	}
	b->data = p;
	b->cap = cap;
	return 1;
}

void
zpl_buf_append(ZplBuf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	if (n > 0)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
zpl_buf_puts(ZplBuf *b, const char *s)
{
	zpl_buf_append(b, s, strlen(s));
}

void
zpl_buf_printf(ZplBuf *b, const char *fmt,...)
{
	char		tmp[256];
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n < sizeof(tmp))
	{
		zpl_buf_append(b, tmp, (size_t) n);
		return;
	}
	if (!buf_reserve(b, (size_t) n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* ------------------------------------------------------------------ UTF-8 */

/*
 * Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 when the
 * bytes there are not one (overlong, surrogate, beyond U+10FFFF, cut).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t		len;
	unsigned long cp;
	size_t		i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
	{
		len = 2;
		cp = c & 0x1F;
	}
	else if (c >= 0xE0 && c <= 0xEF)
	{
		len = 3;
		cp = c & 0x0F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		len = 4;
		cp = c & 0x07;
	}
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		(cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

size_t
zpl_utf8_chars(const char *s, size_t n)
{
	size_t		count = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/* --------------------------------------------------------------- escaping */

void
zpl_escape(ZplBuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	while (i < n)
	{
		unsigned char c = p[i];

		if (c < 0x20 || c == 0x7F)
		{
			zpl_buf_append(b, " ", 1);
			i++;
		}
		else if (c == '^' || c == '~' || c == '\\' || c == '_')
		{
			zpl_buf_printf(b, "\\%02X", c);
			i++;
		}
		else if (c < 0x80)
		{
			zpl_buf_append(b, (const char *) p + i, 1);
			i++;
		}
		else
		{
			size_t		len = utf8_seq(p + i, n - i);

			if (len == 0)
			{
				zpl_buf_append(b, "?", 1);
				i++;
			}
			else
			{
				zpl_buf_append(b, (const char *) p + i, len);
				i += len;
			}
		}
	}
}

/* --------------------------------------------------------------- wrapping */

double
zpl_measure_chars(const char *s, size_t n, void *arg)
{
	(void) arg;
	return (double) zpl_utf8_chars(s, n);
}

static int
is_space(char c)
{
	return (unsigned char) c <= 0x20 || c == 0x7F;
}

/* Start of the code point before position end (> start). */
static size_t
prev_cp(const char *s, size_t start, size_t end)
{
	size_t		i = end - 1;

	while (i > start && ((unsigned char) s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* Position after the code point at i. */
static size_t
next_cp(const char *s, size_t n, size_t i)
{
	i++;
	while (i < n && ((unsigned char) s[i] & 0xC0) == 0x80)
		i++;
	return i;
}

int
zpl_wrap(const char *s, double max_width, int max_lines,
		 zpl_measure_fn measure, void *arg,
		 double ellipsis_width, ZplLine *lines)
{
	size_t		n;
	size_t		pos = 0;
	int			count = 0;

	if (s == NULL || max_lines <= 0)
		return 0;
	n = strlen(s);
	while (count < max_lines)
	{
		size_t		end;

		while (pos < n && is_space(s[pos]))
			pos++;
		if (pos >= n)
			break;

		/* greedy: take whole words while they fit */
		end = pos;
		for (;;)
		{
			size_t		cand = end;

			while (cand < n && is_space(s[cand]))
				cand++;
			while (cand < n && !is_space(s[cand]))
				cand++;
			if (cand == end)
				break;
			if (measure(s + pos, cand - pos, arg) > max_width)
				break;
			end = cand;
			if (end >= n)
				break;
		}
		if (end == pos)
		{
			/* a word wider than the line: break it between code points */
			size_t		next = next_cp(s, n, pos);

			end = next;			/* at least one code point per line */
			while (end < n && !is_space(s[end]))
			{
				next = next_cp(s, n, end);
				if (measure(s + pos, next - pos, arg) > max_width)
					break;
				end = next;
			}
		}
		while (end > pos && is_space(s[end - 1]))
			end--;
		lines[count].s = s + pos;
		lines[count].n = end - pos;
		lines[count].truncated = 0;
		count++;
		pos = end;
	}

	while (pos < n && is_space(s[pos]))
		pos++;
	if (pos < n && count > 0)
	{
		/* more text than lines: shorten the last line to fit an ellipsis */
		ZplLine    *last = &lines[count - 1];
		size_t		start = (size_t) (last->s - s);
		size_t		end = start + last->n;

		while (end > start &&
			   measure(s + start, end - start, arg) + ellipsis_width > max_width)
			end = prev_cp(s, start, end);
		while (end > start && is_space(s[end - 1]))
			end--;
		last->n = end - start;
		last->truncated = 1;
	}
	return count;
}

void
zpl_sanitize(char *s)
{
	unsigned char *p = (unsigned char *) s;
	size_t		n;
	size_t		i = 0;

	if (s == NULL)
		return;
	n = strlen(s);
	while (i < n)
	{
		size_t		len;

		if (p[i] < 0x20 || p[i] == 0x7F)
		{
			p[i++] = ' ';
			continue;
		}
		len = utf8_seq(p + i, n - i);
		if (len == 0)
		{
			p[i++] = '?';
			continue;
		}
		i += len;
	}
}

/* ---------------------------------------------------------------- barcode */

int
zpl_check_code128(const char *s)
{
	size_t		i;

	if (s == NULL || s[0] == '\0')
		return ZPL_EEMPTY;
	for (i = 0; s[i] != '\0'; i++)
	{
		unsigned char c = (unsigned char) s[i];

		/* '>' starts an invocation code in ^BC data, even hex-escaped */
		if (c < 0x20 || c > 0x7E || c == '>' || i >= CODE128_MAX_CHARS)
			return ZPL_EBARCODE;
	}
	return ZPL_OK;
}

int
zpl_code128_module(const char *tracking, int max_dots)
{
	/* subset B: start + data + check (11 modules each) + stop (13) */
	long		modules = 11L * ((long) strlen(tracking) + 2) + 13;
	int			m;

	for (m = 4; m > 1; m--)
		if (modules * m <= max_dots)
			break;
	return m;
}

void
zpl_format_weight(char *dst, size_t size, double kg)
{
	char	   *p;

	snprintf(dst, size, "%.2f", kg);
	p = dst + strlen(dst) - 1;
	while (p > dst && *p == '0')
		*p-- = '\0';
	if (p > dst && *p == '.')
		*p = '\0';
	if (strlen(dst) + 4 <= size)
		strcat(dst, " kg");
}

/* ------------------------------------------------------------------ label */

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* One text field at (x, y) in font 0 of height h. */
static void
field(ZplBuf *b, int x, int y, int h, const char *s, size_t n, int ellipsis)
{
	zpl_buf_printf(b, "^FO%d,%d^A0N,%d,%d^FH\\^FD", x, y, h, h);
	zpl_escape(b, s, n);
	if (ellipsis)
		zpl_buf_puts(b, "...");
	zpl_buf_puts(b, "^FS\n");
}

/* Text wrapped to at most max_lines lines of width w; returns the next y. */
static int
wrapped(ZplBuf *b, int x, int y, int w, int h, int max_lines, const char *s)
{
	ZplLine		lines[8];
	double		chars = (double) w / (A0_ADVANCE * h);
	int			count;
	int			i;

	if (max_lines > 8)
		max_lines = 8;
	count = zpl_wrap(s, chars, max_lines, zpl_measure_chars, NULL, 3.0, lines);
	for (i = 0; i < count; i++)
	{
		field(b, x, y, h, lines[i].s, lines[i].n, lines[i].truncated);
		y += h + h / 6;
	}
	return y;
}

/* A small caption ("FROM", "TO", ...). */
static void
caption(ZplBuf *b, int x, int y, const char *s)
{
	field(b, x, y, 22, s, strlen(s), 0);
}

static void
hline(ZplBuf *b, int y)
{
	zpl_buf_printf(b, "^FO16,%d^GB780,3,3^FS\n", y);
}

int
zpl_label(const ZplLabel *l, ZplBuf *out)
{
	char		tmp[512];
	char		weight[40];
	int			y;
	int			rc;
	int			module;
	int			bar_width;
	size_t		i;

	rc = zpl_check_code128(l->tracking);
	if (rc != ZPL_OK)
		return rc;

	zpl_buf_puts(out, "^XA\n^CI28\n");
	zpl_buf_printf(out, "^PW%d\n^LL%d\n^LH0,0\n", ZPL_WIDTH_DOTS, ZPL_HEIGHT_DOTS);
	zpl_buf_puts(out, "^FO16,16^GB780,1186,3^FS\n");

	/* carrier, service, ship date */
	wrapped(out, MARGIN, 34, TEXT_WIDTH, 60, 1, nz(l->carrier));
	snprintf(tmp, sizeof(tmp), "%s", nz(l->service));
	for (i = 0; tmp[i]; i++)
		if (tmp[i] >= 'a' && tmp[i] <= 'z')
			tmp[i] = (char) (tmp[i] - 'a' + 'A');
		else if (tmp[i] == '_')
			tmp[i] = ' ';
	wrapped(out, MARGIN, 104, 380, 34, 1, tmp);
	snprintf(tmp, sizeof(tmp), "SHIP %s", nz(l->ship_date));
	wrapped(out, 436, 104, 340, 34, 1, tmp);
	hline(out, 152);

	/* sender */
	caption(out, MARGIN, 166, "FROM");
	y = wrapped(out, MARGIN, 194, TEXT_WIDTH, 34, 1, nz(l->sender_name));
	wrapped(out, MARGIN, y, TEXT_WIDTH, 28, 1, nz(l->sender_location));
	hline(out, 282);

	/* recipient */
	caption(out, MARGIN, 296, "TO");
	y = wrapped(out, MARGIN, 326, TEXT_WIDTH, 56, 2, nz(l->recipient_name));
	y = wrapped(out, MARGIN, y + 4, TEXT_WIDTH, 40, 3, nz(l->address));
	snprintf(tmp, sizeof(tmp), "%s %s", nz(l->postcode), nz(l->city));
	y = wrapped(out, MARGIN, y + 4, TEXT_WIDTH, 50, 1, tmp);
	snprintf(tmp, sizeof(tmp), "%s%s%s", nz(l->country),
			 (l->country && l->country[0] && l->phone && l->phone[0]) ? "   Tel " : "",
			 nz(l->phone));
	wrapped(out, MARGIN, y + 4, TEXT_WIDTH, 36, 1, tmp);
	hline(out, 724);

	/* order ref, package n/N, weight */
	caption(out, MARGIN, 738, "ORDER");
	wrapped(out, MARGIN, 768, 390, 40, 2, nz(l->order_ref));
	caption(out, 450, 738, "PACKAGE");
	snprintf(tmp, sizeof(tmp), "%ld/%ld", l->package_no, l->package_count);
	wrapped(out, 450, 768, 160, 56, 1, tmp);
	caption(out, 620, 738, "WEIGHT");
	if (l->weight_kg >= 0 && !isnan(l->weight_kg) && !isinf(l->weight_kg))
	{
		zpl_format_weight(weight, sizeof(weight), l->weight_kg);
		wrapped(out, 620, 768, 170, 40, 1, weight);
	}
	hline(out, 870);

	/* tracking: Code 128 and human-readable */
	caption(out, MARGIN, 884, "TRACKING");
	module = zpl_code128_module(l->tracking, TEXT_WIDTH);
	bar_width = module * (int) (11 * (strlen(l->tracking) + 2) + 13);
	zpl_buf_printf(out, "^FO%d,920^BY%d,3,200^BCN,200,N,N,N^FH\\^FD",
				   bar_width < ZPL_WIDTH_DOTS ? (ZPL_WIDTH_DOTS - bar_width) / 2 : MARGIN,
				   module);
	zpl_escape(out, l->tracking, strlen(l->tracking));
	zpl_buf_puts(out, "^FS\n");
	zpl_buf_printf(out, "^FO0,1136^A0N,46,46^FB%d,1,0,C^FH\\^FD", ZPL_WIDTH_DOTS);
	zpl_escape(out, l->tracking, strlen(l->tracking));
	zpl_buf_puts(out, "^FS\n");

	zpl_buf_puts(out, "^XZ\n");
	return out->oom ? ZPL_ENOMEM : ZPL_OK;
}
