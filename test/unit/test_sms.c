/*
 * test_sms.c — unit tests of src/core/sms.c (TAP output).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

static int	n_test = 0;
static int	n_fail = 0;

/* every string built by rep() and cat(), freed at exit */
static void *allocs[1024];
static int	n_allocs = 0;

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n);

	if (p == NULL || n_allocs == (int) (sizeof(allocs) / sizeof(allocs[0])))
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	allocs[n_allocs++] = p;
	return p;
}

static void
free_all(void)
{
	while (n_allocs > 0)
		free(allocs[--n_allocs]);
}

static void
ok(int cond, const char *name)
{
	n_test++;
	if (!cond)
		n_fail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n_test, name);
}

static void
is_long(long got, long want, const char *name)
{
	ok(got == want, name);
	if (got != want)
		printf("#   got %ld, expected %ld\n", got, want);
}

/* a string of n copies of the UTF-8 sequence u */
static char *
rep(const char *u, int n)
{
	size_t		l = strlen(u);
	char	   *s = xmalloc(l * (size_t) n + 1);
	int			i;

	for (i = 0; i < n; i++)
		memcpy(s + l * (size_t) i, u, l);
	s[l * (size_t) n] = '\0';
	return s;
}

/* concatenation of up to 3 strings (b and c may be NULL) */
static char *
cat(const char *a, const char *b, const char *c)
{
	size_t		la = strlen(a),
				lb = b ? strlen(b) : 0,
				lc = c ? strlen(c) : 0;
	char	   *s = xmalloc(la + lb + lc + 1);

	memcpy(s, a, la);
	if (b)
		memcpy(s + la, b, lb);
	if (c)
		memcpy(s + la + lb, c, lc);
	s[la + lb + lc] = '\0';
	return s;
}

static long
segs(const char *s)
{
	return sms_segments(s, strlen(s));
}

static SmsMeasure
meas(const char *s)
{
	SmsMeasure	m;

	sms_measure(s, strlen(s), &m);
	return m;
}

#define E164(s, want) ok(sms_valid_e164((s), strlen(s)) == (want), "e164 " #s)
#define EMAIL(s, want) ok(msg_valid_email((s), strlen(s)) == (want), "email " #s)
#define SLACK(s, want) ok(msg_valid_slack((s), strlen(s)) == (want), "slack " #s)
#define SENDER(s, want) ok(sms_valid_sender((s), strlen(s)) == (want), "sender " #s)

static void
test_septets(void)
{
	const char *basic = "@$_ !\"#%&'()*+,-./0123456789:;<=>?"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\r";
	const char *ext = "^{}\\[~]|\f";
	const char *p;
	int			all = 1;

	for (p = basic; *p; p++)
		if (sms_gsm_septets((unsigned char) *p) != 1)
			all = 0;
	ok(all, "ASCII letters, digits and basic punctuation are 1 septet");
	all = 1;
	for (p = ext; *p; p++)
		if (sms_gsm_septets((unsigned char) *p) != 2)
			all = 0;
	ok(all, "^ { } \\ [ ~ ] | and form feed are 2 septets");
	is_long(sms_gsm_septets(0x20AC), 2, "euro sign is 2 septets");
	is_long(sms_gsm_septets('`'), 0, "backtick is not GSM");
	is_long(sms_gsm_septets('\t'), 0, "tab is not GSM");
	is_long(sms_gsm_septets(0x1B), 0, "ESC itself is not a character");
	is_long(sms_gsm_septets(0), 0, "NUL is not a character");
	is_long(sms_gsm_septets(0x00E9), 1, "e acute is GSM");
	is_long(sms_gsm_septets(0x00E8), 1, "e grave is GSM");
	is_long(sms_gsm_septets(0x00E0), 1, "a grave is GSM");
	is_long(sms_gsm_septets(0x00F9), 1, "u grave is GSM");
	is_long(sms_gsm_septets(0x00C7), 1, "capital C cedilla is GSM");
	is_long(sms_gsm_septets(0x00E7), 0, "small c cedilla is not GSM (TS 23.038)");
	is_long(sms_gsm_septets(0x00EA), 0, "e circumflex is not GSM");
	is_long(sms_gsm_septets(0x0153), 0, "oe ligature is not GSM");
	is_long(sms_gsm_septets(0x00A3), 1, "pound sign is GSM");
	is_long(sms_gsm_septets(0x00A4), 1, "currency sign is GSM");
	is_long(sms_gsm_septets(0x00A7), 1, "section sign is GSM");
	is_long(sms_gsm_septets(0x00BF), 1, "inverted question mark is GSM");
	is_long(sms_gsm_septets(0x0394), 1, "Greek capital delta is GSM");
	is_long(sms_gsm_septets(0x03A9), 1, "Greek capital omega is GSM");
	is_long(sms_gsm_septets(0x03B1), 0, "Greek small alpha is not GSM");
	is_long(sms_gsm_septets(0x1F600), 0, "emoji is not GSM");
	is_long(sms_utf16_units(0x41), 1, "A is 1 UTF-16 unit");
	is_long(sms_utf16_units(0xFFFF), 1, "U+FFFF is 1 UTF-16 unit");
	is_long(sms_utf16_units(0x10000), 2, "U+10000 is 2 UTF-16 units");
	is_long(sms_utf16_units(0x1F600), 2, "emoji is a surrogate pair");
}

static void
test_utf8(void)
{
	uint32_t	cp = 0;
	SmsMeasure	m;

	is_long(sms_utf8_decode((const unsigned char *) "\xC3\xA9", 2, &cp), 2, "decode e acute length");
	is_long(cp, 0xE9, "decode e acute value");
	is_long(sms_utf8_decode((const unsigned char *) "\xF0\x9F\x98\x80", 4, &cp), 4, "decode emoji length");
	is_long(cp, 0x1F600, "decode emoji value");
	is_long(sms_utf8_decode((const unsigned char *) "\xC0\x80", 2, &cp), 0, "overlong NUL rejected");
	is_long(sms_utf8_decode((const unsigned char *) "\xE0\x80\xAF", 3, &cp), 0, "overlong slash rejected");
	is_long(sms_utf8_decode((const unsigned char *) "\xED\xA0\x80", 3, &cp), 0, "UTF-8 surrogate rejected");
	is_long(sms_utf8_decode((const unsigned char *) "\xF4\x90\x80\x80", 4, &cp), 0, "beyond U+10FFFF rejected");
	is_long(sms_utf8_decode((const unsigned char *) "\xE2\x82", 2, &cp), 0, "truncated sequence rejected");
	is_long(sms_utf8_decode((const unsigned char *) "\x80", 1, &cp), 0, "lone continuation rejected");
	is_long(sms_segments("ab\xFF", 3), -1, "invalid UTF-8 body gives -1");
	ok(sms_measure("ab\xFF", 3, &m) == SMS_BAD_UTF8 && m.bad_offset == 2, "bad offset reported");
}

static void
test_gsm_segments(void)
{
	char	   *s;
	SmsMeasure	m;

	is_long(segs(""), 0, "empty body: 0 segments");
	is_long(segs("a"), 1, "one char: 1 segment");
	s = rep("a", 160);
	is_long(segs(s), 1, "160 GSM chars: 1 segment");
	m = meas(s);
	ok(m.encoding == SMS_ENC_GSM7 && m.units == 160 && m.per_segment == 160, "160 GSM chars measured as GSM7 160/160");
	s = rep("a", 161);
	is_long(segs(s), 2, "161 GSM chars: 2 segments");
	m = meas(s);
	ok(m.per_segment == 153 && m.units == 161, "161 GSM chars: 153 per part");
	s = rep("a", 306);
	is_long(segs(s), 2, "306 = 153x2 GSM chars: 2 segments");
	s = rep("a", 307);
	is_long(segs(s), 3, "307 GSM chars: 3 segments");
	s = rep("a", 459);
	is_long(segs(s), 3, "459 = 153x3: 3 segments");
	s = rep("a", 460);
	is_long(segs(s), 4, "460: 4 segments");
	s = rep("\xC3\xA9", 160);
	is_long(segs(s), 1, "160 e-acute (GSM, 2 UTF-8 bytes each): 1 segment");
	s = rep("\xC3\xA9", 161);
	is_long(segs(s), 2, "161 e-acute: 2 segments");
}

static void
test_extension(void)
{
	char	   *s,
			   *a;
	SmsMeasure	m;

	s = rep("{", 80);
	m = meas(s);
	ok(m.encoding == SMS_ENC_GSM7 && m.units == 160 && m.chars == 80, "80 braces are 160 septets");
	is_long(m.segments, 1, "80 braces: 1 segment");
	s = rep("{", 81);
	is_long(segs(s), 2, "81 braces (162 septets): 2 segments");
	a = rep("a", 159);
	s = cat(a, "\xE2\x82\xAC", NULL);	/* 159 + euro = 161 septets */
	is_long(segs(s), 2, "159 a + euro = 161 septets: 2 segments");
	a = rep("a", 158);
	s = cat(a, "^", NULL);		/* 160 septets */
	is_long(segs(s), 1, "158 a + caret = 160 septets: 1 segment");

	/* boundary of multi-part: 152 a + '[' would straddle septets 153/154 */
	a = rep("a", 152);
	s = cat(a, "[", rep("a", 152));
	/* part 1: 152 (the '[' does not fit), part 2: '[' + 151 a = 153, part 3: 1 a */
	is_long(segs(s), 3, "extension char at a part boundary is not split (3 parts)");
	m = meas(s);
	is_long(m.units, 306, "... though only 306 septets = 153x2");
	s = cat(a, "a[", rep("a", 151));
	/* part 1: 153 a, part 2: [ + 151 = 153 */
	is_long(segs(s), 2, "extension char right after a full part: 2 parts");
	s = cat(a, "[", rep("a", 150));
	/* 152 | [ + 150 = 152 => 2 parts, 304 septets */
	is_long(segs(s), 2, "extension char moved to part 2, total fits: 2 parts");

	s = rep("\xE2\x82\xAC", 153);	/* 153 euros = 306 septets, 76 per part */
	is_long(segs(s), 3, "153 euros (306 septets): 3 parts since a part holds 76 euros");
	s = rep("\xE2\x82\xAC", 152);	/* 152 euros = 304 septets, 76 + 76 */
	is_long(segs(s), 2, "152 euros: 2 parts");
	s = rep("\f", 80);
	is_long(segs(s), 1, "80 form feeds: 1 segment");
	s = rep("|", 81);
	is_long(segs(s), 2, "81 pipes: 2 segments");
}

static void
test_ucs2(void)
{
	char	   *s,
			   *a;
	SmsMeasure	m;

	m = meas("\xC3\xA7" "a");		/* small c cedilla */
	ok(m.encoding == SMS_ENC_UCS2 && m.units == 2, "c cedilla switches to UCS-2");
	s = rep("\xC3\xAA", 70);	/* e circumflex */
	m = meas(s);
	ok(m.encoding == SMS_ENC_UCS2 && m.units == 70 && m.segments == 1, "70 e-circumflex: UCS-2, 1 segment");
	s = rep("\xC3\xAA", 71);
	is_long(segs(s), 2, "71 UCS-2 chars: 2 segments");
	m = meas(s);
	is_long(m.per_segment, 67, "UCS-2 multi-part holds 67");
	s = rep("\xC3\xAA", 134);
	is_long(segs(s), 2, "134 = 67x2 UCS-2: 2 segments");
	s = rep("\xC3\xAA", 135);
	is_long(segs(s), 3, "135 UCS-2: 3 segments");
	a = rep("a", 69);
	s = cat(a, "\xC3\xAA", NULL);
	is_long(segs(s), 1, "69 a + one UCS-2 char = 70: 1 segment");
	s = cat(a, "a\xC3\xAA", NULL);
	is_long(segs(s), 2, "70 a + one UCS-2 char = 71: 2 segments");
	/* in UCS-2 an extension char is 1 unit, not 2 */
	a = rep("{", 69);
	s = cat(a, "\xC3\xAA", NULL);
	m = meas(s);
	ok(m.encoding == SMS_ENC_UCS2 && m.units == 70 && m.segments == 1, "braces count 1 unit in UCS-2");
	/* Cyrillic, Arabic, CJK */
	m = meas("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
	ok(m.encoding == SMS_ENC_UCS2 && m.units == 6, "Cyrillic word: UCS-2, 6 units");
	m = meas("\xE4\xBD\xA0\xE5\xA5\xBD");
	ok(m.encoding == SMS_ENC_UCS2 && m.units == 2 && m.chars == 2, "CJK: 2 units");
	m = meas("`");
	ok(m.encoding == SMS_ENC_UCS2, "a backtick needs UCS-2");
	m = meas("\t");
	ok(m.encoding == SMS_ENC_UCS2, "a tab needs UCS-2");
}

static void
test_surrogates(void)
{
	const char *emoji = "\xF0\x9F\x93\xA6";	/* U+1F4E6 package */
	char	   *s,
			   *a;
	SmsMeasure	m;

	m = meas(emoji);
	ok(m.encoding == SMS_ENC_UCS2 && m.units == 2 && m.chars == 1, "one emoji: 2 units, 1 char");
	s = rep(emoji, 35);
	is_long(segs(s), 1, "35 emoji = 70 units: 1 segment");
	s = rep(emoji, 36);
	is_long(segs(s), 2, "36 emoji = 72 units: 2 segments");
	a = rep("\xC3\xAA", 69);
	s = cat(a, emoji, NULL);
	is_long(segs(s), 2, "69 units + emoji = 71 units: 2 segments");
	a = rep("\xC3\xAA", 68);
	s = cat(a, emoji, NULL);
	is_long(segs(s), 1, "68 units + emoji = 70 units: 1 segment");
	/* boundary: 66 units then an emoji straddling units 67/68 */
	a = rep("\xC3\xAA", 66);
	s = cat(a, emoji, rep("\xC3\xAA", 66));
	/* 66 | emoji + 65 = 67 | 1 => 3 parts although 134 units = 67x2 */
	m = meas(s);
	is_long(m.units, 134, "66 + emoji + 66 = 134 units");
	is_long(m.segments, 3, "surrogate pair at a part boundary is not split (3 parts)");
	s = cat(a, emoji, rep("\xC3\xAA", 65));
	is_long(segs(s), 2, "66 + emoji + 65 = 133 units: 2 parts");
	s = cat(a, "\xC3\xAA", cat(emoji, rep("\xC3\xAA", 65), NULL));
	is_long(segs(s), 2, "67 + emoji + 65: emoji opens part 2: 2 parts");
	s = rep(emoji, 67);			/* 134 units, 33 per part => 3 parts */
	is_long(segs(s), 3, "67 emoji: 33 per part, 3 parts");
	s = rep(emoji, 66);
	is_long(segs(s), 2, "66 emoji: 2 parts");
}

static void
test_e164(void)
{
	E164("+33612345678", 1);
	E164("+262692123456", 1);
	E164("+1", 1);
	E164("+123456789012345", 1);
	E164("+1234567890123456", 0);
	E164("+", 0);
	E164("", 0);
	E164("33612345678", 0);
	E164("0612345678", 0);
	E164("+0612345678", 0);
	E164("+33 6 12 34 56 78", 0);
	E164("+33-612345678", 0);
	E164("+33.612345678", 0);
	E164("++33612345678", 0);
	E164("+33612345678 ", 0);
	E164(" +33612345678", 0);
	E164("+3361234567a", 0);
	E164("+(33)612345678", 0);
	ok(!sms_valid_e164(NULL, 0), "e164 NULL");
	/* full-width digits are not ASCII digits */
	E164("+\xEF\xBC\x93\xEF\xBC\x93", 0);
}

static void
test_email(void)
{
	EMAIL("jean.dupont@example.fr", 1);
	EMAIL("a@b.co", 1);
	EMAIL("first+tag@sub.example.com", 1);
	EMAIL("o'neil@example.ie", 1);
	EMAIL("x_y-z@ex-ample.org", 1);
	EMAIL("user@xn--caf-dma.fr", 1);
	EMAIL("r\xC3\xA9mi@caf\xC3\xA9.fr", 1);
	EMAIL("", 0);
	EMAIL("plainaddress", 0);
	EMAIL("@example.com", 0);
	EMAIL("user@", 0);
	EMAIL("user@localhost", 0);
	EMAIL("user@@example.com", 0);
	EMAIL("us@er@example.com", 0);
	EMAIL("user name@example.com", 0);
	EMAIL("user@exa mple.com", 0);
	EMAIL(" user@example.com", 0);
	EMAIL("user@example.com ", 0);
	EMAIL(".user@example.com", 0);
	EMAIL("user.@example.com", 0);
	EMAIL("us..er@example.com", 0);
	EMAIL("user@.example.com", 0);
	EMAIL("user@example.com.", 0);
	EMAIL("user@example..com", 0);
	EMAIL("user@-example.com", 0);
	EMAIL("user@example-.com", 0);
	EMAIL("user@exa_mple.com", 0);
	EMAIL("\"quoted\"@example.com", 0);
	EMAIL("user@[192.168.0.1]", 0);
	EMAIL("user\t@example.com", 0);
	EMAIL("user@example.com\n", 0);
	EMAIL("a(b)@example.com", 0);
	EMAIL("a,b@example.com", 0);
	EMAIL("a<b@example.com", 0);
	{
		char	   *l = rep("a", 64),
				   *s = cat(l, "@example.com", NULL);

		ok(msg_valid_email(s, strlen(s)), "64-char local part accepted");
		l = rep("a", 65);
		s = cat(l, "@example.com", NULL);
		ok(!msg_valid_email(s, strlen(s)), "65-char local part rejected");
		l = rep("b", 64);
		s = cat("a@", l, ".com");
		ok(!msg_valid_email(s, strlen(s)), "64-char domain label rejected");
		l = rep("b.", 130);
		s = cat("a@", l, "fr");
		ok(!msg_valid_email(s, strlen(s)), "over-long address rejected");
	}
	ok(!msg_valid_email(NULL, 0), "email NULL");
}

static void
test_slack(void)
{
	char	   *n,
			   *s;

	SLACK("#general", 1);
	SLACK("#ops-alerts_2", 1);
	SLACK("#a", 1);
	SLACK("webhook:deliveries", 1);
	SLACK("webhook:store-42_ops", 1);
	SLACK("#", 0);
	SLACK("", 0);
	SLACK("general", 0);
	SLACK("#General", 0);
	SLACK("#gen eral", 0);
	SLACK("##general", 0);
	SLACK("#g\xC3\xA9n\xC3\xA9ral", 0);
	SLACK("#gen.eral", 0);
	SLACK("webhook:", 0);
	SLACK("webhook:Ops", 0);
	SLACK("Webhook:ops", 0);
	SLACK("https://hooks.slack.com/services/T000/B000/XXXX", 0);
	SLACK("@someone", 0);
	n = rep("x", 80);
	s = cat("#", n, NULL);
	ok(msg_valid_slack(s, strlen(s)), "80-char channel accepted");
	n = rep("x", 81);
	s = cat("#", n, NULL);
	ok(!msg_valid_slack(s, strlen(s)), "81-char channel rejected");
	s = cat("webhook:", n, NULL);
	ok(!msg_valid_slack(s, strlen(s)), "81-char webhook name rejected");
	ok(!msg_valid_slack(NULL, 0), "slack NULL");
}

static void
test_sender_blank(void)
{
	SENDER("MyShop", 1);
	SENDER("Shop42", 1);
	SENDER("A", 1);
	SENDER("ABCDEFGHIJK", 1);
	SENDER("ABCDEFGHIJKL", 0);
	SENDER("", 0);
	SENDER("12345", 0);
	SENDER("My Shop", 0);
	SENDER("My-Shop", 0);
	SENDER("Caf\xC3\xA9", 0);
	ok(!sms_valid_sender(NULL, 0), "sender NULL");

	ok(msg_blank("", 0), "empty is blank");
	ok(msg_blank("  \t\n\r", 5), "ASCII white space is blank");
	ok(msg_blank("\xC2\xA0\xE3\x80\x80", 5), "NBSP and ideographic space are blank");
	ok(!msg_blank(" x ", 3), "text is not blank");
	ok(!msg_blank("\xFF", 1), "invalid UTF-8 is not blank");
	ok(msg_blank(NULL, 0), "NULL is blank");
}

/* Brute force: the greedy packing agrees with a direct simulation. */
static void
test_random(void)
{
	static const char *const pieces[] = {"a", "{", "\xE2\x82\xAC", "\xC3\xA9", "\xC3\xAA", "\xF0\x9F\x98\x80", " "};
	static const int gsm_w[] = {1, 2, 2, 1, 0, 0, 1};
	static const int u16_w[] = {1, 1, 1, 1, 1, 2, 1};
	unsigned int seed = 12345;
	int			iter,
				bad = 0;

	for (iter = 0; iter < 2000; iter++)
	{
		char		buf[2048];
		int			w[600];
		size_t		off = 0;
		int			n = 0,
					i,
					k,
					gsm = 1,
					total = 0,
					single,
					multi,
					parts,
					used;
		int			len;

		seed = seed * 1103515245u + 12345u;
		len = (int) ((seed >> 8) % 400);
		for (i = 0; i < len; i++)
		{
			seed = seed * 1103515245u + 12345u;
			/* mostly GSM so that both encodings get long bodies */
			k = (int) ((seed >> 8) % ((iter % 2) ? 7 : 4));
			if (k == 3 && (iter % 2) == 0)
				k = 0;
			memcpy(buf + off, pieces[k], strlen(pieces[k]));
			off += strlen(pieces[k]);
			w[n++] = k;
			if (gsm_w[k] == 0)
				gsm = 0;
		}
		buf[off] = '\0';
		for (i = 0; i < n; i++)
			total += gsm ? gsm_w[w[i]] : u16_w[w[i]];
		single = gsm ? 160 : 70;
		multi = gsm ? 153 : 67;
		if (total == 0)
			parts = 0;
		else if (total <= single)
			parts = 1;
		else
		{
			parts = 1;
			used = 0;
			for (i = 0; i < n; i++)
			{
				int			x = gsm ? gsm_w[w[i]] : u16_w[w[i]];

				if (used + x > multi)
				{
					parts++;
					used = 0;
				}
				used += x;
			}
		}
		if (sms_segments(buf, off) != parts)
			bad++;
	}
	is_long(bad, 0, "2000 random bodies agree with a direct simulation");
}

/*
 * Random bytes (mostly valid UTF-8 of every length class, sometimes broken)
 * into every entry point: no crash, and the invariants hold.
 */
static void
test_fuzz(void)
{
	unsigned int seed = 777;
	int			iter,
				bad = 0;

	for (iter = 0; iter < 20000; iter++)
	{
		unsigned char buf[600];
		size_t		len,
					i;
		SmsMeasure	m;
		SmsStatus	st;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % sizeof(buf);
		for (i = 0; i < len; i++)
		{
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char) (seed >> 16);
			if (iter % 3 != 0)
				buf[i] &= 0x7F;	/* two thirds ASCII */
		}
		st = sms_measure((const char *) buf, len, &m);
		if (st == SMS_OK)
		{
			if (m.segments < 0 || m.chars > (long) len || m.units < m.chars ||
				(m.chars > 0 && m.segments < 1) ||
				(m.segments > 1 && m.segments * m.per_segment < m.units) ||
				m.units > 2 * m.chars)
				bad++;
		}
		else if (m.bad_offset < 0 || m.bad_offset >= (long) len)
			bad++;
		(void) sms_valid_e164((const char *) buf, len);
		(void) sms_valid_sender((const char *) buf, len);
		(void) msg_valid_email((const char *) buf, len);
		(void) msg_valid_slack((const char *) buf, len);
		(void) msg_blank((const char *) buf, len);
	}
	is_long(bad, 0, "20000 random byte strings: no crash, invariants hold");
}

int
main(void)
{
	test_septets();
	test_utf8();
	test_gsm_segments();
	test_extension();
	test_ucs2();
	test_surrogates();
	test_e164();
	test_email();
	test_slack();
	test_sender_blank();
	test_random();
	test_fuzz();
	free_all();
	printf("1..%d\n", n_test);
	return n_fail == 0 ? 0 : 1;
}
