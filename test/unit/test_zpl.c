/*
 * test_zpl.c — unit tests of src/core/zpl.c (escaping, wrapping, label
 * text), printing TAP.  With an argument, writes the sample label's ZPL to
 * that file (used to render it by hand).
 */
#include "zpl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	tests = 0;
static int	failures = 0;

static void
ok(int cond, const char *name)
{
	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, name);
}

static void
is_str(const char *got, const char *want, const char *name)
{
	ok(got && strcmp(got, want) == 0, name);
	if (!(got && strcmp(got, want) == 0))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)", want);
}

/* Escapes s and returns a static copy. */
static const char *
esc(const char *s, size_t n)
{
	static char out[1024];
	ZplBuf		b;

	zpl_buf_init(&b);
	zpl_escape(&b, s, n);
	snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	zpl_buf_free(&b);
	return out;
}

static int
count_of(const char *hay, const char *needle)
{
	int			c = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL)
	{
		c++;
		p += strlen(needle);
	}
	return c;
}

/* True when no '^' or '~' inside the data of any ^FD...^FS field. */
static int
fields_clean(const char *zpl)
{
	const char *p = zpl;

	while ((p = strstr(p, "^FD")) != NULL)
	{
		const char *end = strstr(p + 3, "^FS");
		const char *q;

		if (end == NULL)
			return 0;
		for (q = p + 3; q < end; q++)
			if (*q == '^' || *q == '~')
				return 0;
		p = end;
	}
	return 1;
}

static ZplLabel
sample(void)
{
	ZplLabel	l;

	memset(&l, 0, sizeof(l));
	l.carrier = "Colis Rapide";
	l.service = "pickup_point";
	l.ship_date = "2026-11-23";
	l.sender_name = "Entrepôt Lyon Sud";
	l.sender_location = "45.72000 N, 4.83000 E";
	l.recipient_name = "Zoë Łukasiewicz-Straße";
	l.address = "12 rue de la République, bâtiment B, escalier 3, 4e étage, porte gauche, code 1234A, sonner chez Dupont-Martin, laisser au gardien si absent";
	l.postcode = "69002";
	l.city = "Lyon";
	l.country = "FR";
	l.phone = "+33612345678";
	l.order_ref = "ORD-2026-0001";
	l.package_no = 2;
	l.package_count = 3;
	l.weight_kg = 2.5;
	l.tracking = "LM0000000017FR";
	return l;
}

int
main(int argc, char **argv)
{
	ZplBuf		b;
	ZplLabel	l;
	ZplLine		lines[4];
	char		w[40];
	int			n;

	/* escaping */
	is_str(esc("Dupont", 6), "Dupont", "plain ASCII is copied");
	is_str(esc("^XZ^XA", 6), "\\5EXZ\\5EXA", "caret becomes \\5E");
	is_str(esc("a~b\\c_d", 7), "a\\7Eb\\5Cc\\5Fd", "tilde, backslash, underscore escaped");
	is_str(esc("a\nb\tc\rd\x7f", 8), "a b c d ", "control characters become spaces");
	is_str(esc("é ß Ł", strlen("é ß Ł")), "é ß Ł", "valid UTF-8 is kept");
	is_str(esc("a\xff" "b", 3), "a?b", "invalid byte becomes ?");
	is_str(esc("\xc3", 1), "?", "cut UTF-8 sequence becomes ?");
	is_str(esc("\xc0\xaf", 2), "??", "overlong encoding rejected");
	is_str(esc("\xed\xa0\x80", 3), "???", "surrogate rejected");
	is_str(esc("\xf4\x90\x80\x80", 4), "????", "beyond U+10FFFF rejected");
	is_str(esc("x\0y", 3), "x y", "embedded NUL becomes a space");
	ok(zpl_utf8_chars("éßŁ", strlen("éßŁ")) == 3, "code points counted");
	{
		char		dirty[] = "a\tb\xff\xc3\xa9\xe2\x82";

		zpl_sanitize(dirty);
		is_str(dirty, "a b?é??", "sanitize: controls to space, invalid UTF-8 to ?");
		zpl_sanitize(NULL);
		ok(1, "sanitize(NULL) is a no-op");
	}

	/* wrapping */
	n = zpl_wrap("the quick brown fox", 9, 4, zpl_measure_chars, NULL, 3, lines);
	ok(n == 2 && lines[0].n == 9 && strncmp(lines[0].s, "the quick", 9) == 0 &&
	   strncmp(lines[1].s, "brown fox", 9) == 0, "greedy word wrap");
	n = zpl_wrap("the quick brown fox jumps", 9, 2, zpl_measure_chars, NULL, 3, lines);
	ok(n == 2 && lines[1].truncated && lines[1].n + 3 <= 9, "last line truncated for the ellipsis");
	n = zpl_wrap("abcdefghijklmnopqrst", 8, 3, zpl_measure_chars, NULL, 3, lines);
	ok(n == 3 && lines[0].n == 8 && lines[1].n == 8 && lines[2].n == 4 && !lines[2].truncated,
	   "long word broken");
	n = zpl_wrap("ééééé", 2, 3, zpl_measure_chars, NULL, 1, lines);
	ok(n == 3 && lines[0].n == 4 && lines[2].n == 2, "breaks between code points, not bytes");
	ok(zpl_wrap("   ", 10, 3, zpl_measure_chars, NULL, 3, lines) == 0, "blank text has no lines");
	ok(zpl_wrap(NULL, 10, 3, zpl_measure_chars, NULL, 3, lines) == 0, "NULL text has no lines");
	n = zpl_wrap("ab", 0.5, 2, zpl_measure_chars, NULL, 3, lines);
	ok(n == 2 && lines[0].n == 1, "narrower than one character still progresses");

	/* weight and barcode helpers */
	zpl_format_weight(w, sizeof(w), 2.5);
	is_str(w, "2.5 kg", "weight 2.5");
	zpl_format_weight(w, sizeof(w), 12);
	is_str(w, "12 kg", "weight 12");
	zpl_format_weight(w, sizeof(w), 0.126);
	is_str(w, "0.13 kg", "weight rounded to 2 decimals");
	ok(zpl_check_code128("LM0000000017FR") == ZPL_OK, "tracking accepted");
	ok(zpl_check_code128("") == ZPL_EEMPTY && zpl_check_code128(NULL) == ZPL_EEMPTY, "empty tracking");
	ok(zpl_check_code128("LMé") == ZPL_EBARCODE, "non-ASCII tracking refused");
	ok(zpl_check_code128("0123456789012345678901234567890123456789X") == ZPL_EBARCODE,
	   "tracking over 40 characters refused");
	ok(zpl_code128_module("LM0000000017FR", 740) == 3 && zpl_code128_module("LM1", 740) == 4, "short tracking: wide modules");
	ok(zpl_code128_module("0123456789012345678901234567890123456789", 740) == 1, "long tracking: narrow modules");

	/* the label */
	l = sample();
	zpl_buf_init(&b);
	ok(zpl_label(&l, &b) == ZPL_OK, "label built");
	ok(strncmp(b.data, "^XA\n^CI28\n", 10) == 0, "starts with ^XA and UTF-8 ^CI28");
	ok(count_of(b.data, "^XA") == 1 && count_of(b.data, "^XZ") == 1, "exactly one ^XA/^XZ pair");
	ok(strstr(b.data, "^PW812") && strstr(b.data, "^LL1218"), "4x6 in at 203 dpi");
	ok(strstr(b.data, "^BCN,200,N,N,N^FH\\^FDLM0000000017FR^FS") != NULL, "Code 128 of the tracking");
	ok(strstr(b.data, "^FDZoë Łukasiewicz-Straße^FS") != NULL, "UTF-8 recipient kept");
	ok(strstr(b.data, "^FD2/3^FS") != NULL, "package n/N");
	ok(strstr(b.data, "^FD2.5 kg^FS") != NULL, "weight");
	ok(strstr(b.data, "^FDPICKUP POINT^FS") != NULL, "service");
	ok(strstr(b.data, "^FDORD-2026-0001^FS") != NULL, "order ref");
	ok(strstr(b.data, "...^FS") != NULL, "long address truncated with an ellipsis");
	ok(fields_clean(b.data), "no command prefix inside any field");
	if (argc > 1)
	{
		FILE	   *f = fopen(argv[1], "w");

		if (f)
		{
			fputs(b.data, f);
			fclose(f);
		}
	}
	zpl_buf_free(&b);

	/* injection attempts */
	l = sample();
	l.recipient_name = "^XZ^XA^FO0,0^GB812,1218,300^FS~JA";
	l.address = "\\5EXZ _5E ~DGR:X.GRF";
	l.order_ref = "^FS^XZ";
	l.city = "Lyon\n^XZ";
	zpl_buf_init(&b);
	ok(zpl_label(&l, &b) == ZPL_OK, "injection label built");
	ok(count_of(b.data, "^XA") == 1 && count_of(b.data, "^XZ") == 1, "injection: still one ^XA/^XZ pair");
	ok(strchr(b.data, '~') == NULL, "injection: no tilde left");
	ok(fields_clean(b.data), "injection: no command prefix inside any field");
	ok(strstr(b.data, "\\5EXZ\\5EXA\\5EFO0,0") != NULL, "injection: recipient hex-escaped");
	ok(strstr(b.data, "\\5C5EXZ \\5F5E \\7EDGR") != NULL, "injection: escape characters escaped");
	zpl_buf_free(&b);

	/* tracking with ZPL specials: hex-escaped; '>' refused */
	l = sample();
	l.tracking = "A^B~C\\D_E";
	zpl_buf_init(&b);
	ok(zpl_label(&l, &b) == ZPL_OK &&
	   strstr(b.data, "^BCN,200,N,N,N^FH\\^FDA\\5EB\\7EC\\5CD\\5FE^FS") != NULL,
	   "barcode data: '^', '~', '\\', '_' hex-escaped");
	zpl_buf_free(&b);
	ok(zpl_check_code128("A>B") == ZPL_EBARCODE, "'>' refused in a tracking number");

	/* missing fields and errors */
	memset(&l, 0, sizeof(l));
	l.tracking = "X1";
	l.weight_kg = NAN;
	zpl_buf_init(&b);
	ok(zpl_label(&l, &b) == ZPL_OK && count_of(b.data, "^XA") == 1, "all-NULL label still valid");
	ok(strstr(b.data, " kg") == NULL, "NaN weight not printed");
	zpl_buf_free(&b);
	l.tracking = NULL;
	zpl_buf_init(&b);
	ok(zpl_label(&l, &b) == ZPL_EEMPTY, "no tracking: error");
	zpl_buf_free(&b);
	l.tracking = "LM\tX";
	zpl_buf_init(&b);
	ok(zpl_label(&l, &b) == ZPL_EBARCODE, "control character in tracking: error");
	zpl_buf_free(&b);

	/*
	 * Random bytes into every text field and the wrapper: the label must
	 * stay one ^XA/^XZ pair with no command prefix in any field, and every
	 * wrapped line must lie inside the input on code point boundaries.
	 */
	{
		unsigned long seed = 12345;
		int			bad_label = 0;
		int			bad_wrap = 0;
		int			iter;

		for (iter = 0; iter < 2000; iter++)
		{
			char		fields[6][96];
			int			f;
			int			k;

			for (f = 0; f < 6; f++)
			{
				int			len = (int) (((seed = seed * 1103515245 + 12345) >> 16) % 95);

				for (k = 0; k < len; k++)
				{
					seed = seed * 1103515245 + 12345;
					fields[f][k] = (char) (1 + ((seed >> 16) % 255));
				}
				fields[f][len] = '\0';
			}
			l = sample();
			l.recipient_name = fields[0];
			l.address = fields[1];
			l.city = fields[2];
			l.order_ref = fields[3];
			l.sender_name = fields[4];
			l.phone = fields[5];
			zpl_buf_init(&b);
			if (zpl_label(&l, &b) != ZPL_OK || count_of(b.data, "^XA") != 1 ||
				count_of(b.data, "^XZ") != 1 || strchr(b.data, '~') != NULL ||
				!fields_clean(b.data))
				bad_label++;
			zpl_buf_free(&b);

			zpl_sanitize(fields[1]);	/* wrapping expects valid UTF-8 */
			n = zpl_wrap(fields[1], 1 + iter % 20, 4, zpl_measure_chars, NULL, 1, lines);
			for (k = 0; k < n; k++)
			{
				const char *end = fields[1] + strlen(fields[1]);

				if (lines[k].s < fields[1] || lines[k].s + lines[k].n > end ||
					((unsigned char) lines[k].s[0] & 0xC0) == 0x80 ||
					(lines[k].s + lines[k].n < end &&
					 ((unsigned char) lines[k].s[lines[k].n] & 0xC0) == 0x80))
					bad_wrap++;
			}
		}
		ok(bad_label == 0, "fuzz: 2000 labels of random bytes, each one ^XA/^XZ pair, no prefix in a field");
		ok(bad_wrap == 0, "fuzz: wrapped lines stay inside the text, on code point boundaries");
	}

	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
