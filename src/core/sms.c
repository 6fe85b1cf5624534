/*
 * sms.c — GSM 03.38 / UCS-2 measurement and segmenting of SMS bodies, and
 * the recipient checks of every message channel.  See sms.h.
 */
#include "sms.h"

#include <string.h>

/*
 * The GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1), as Unicode code
 * points indexed by septet.  0x1B is the escape to the extension table and
 * is not a character of its own (marked 0xFFFF).  0x09 is LATIN CAPITAL
 * LETTER C WITH CEDILLA as the standard defines it; the small c with
 * cedilla is not in the alphabet.
 */
static const uint16_t gsm_basic[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0xFFFF, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0
};

/*
 * The extension table (TS 23.038 §6.2.1.1, default language): each is sent
 * as ESC + septet, two septets.
 */
static const uint16_t gsm_extension[] = {
	0x000C,						/* form feed */
	0x005E,						/* ^ */
	0x007B,						/* { */
	0x007D,						/* } */
	0x005C,						/* \ */
	0x005B,						/* [ */
	0x007E,						/* ~ */
	0x005D,						/* ] */
	0x007C,						/* | */
	0x20AC						/* EURO SIGN */
};

/* septets per code point below U+0100 (0 = not in the alphabet) */
static unsigned char latin_septets[256];
/* the few code points above U+00FF in the alphabet: Greek capitals, euro */
static uint16_t high_basic[16];
static int	n_high_basic;
static bool table_ready;

static void
build_tables(void)
{
	int			i;

	if (table_ready)
		return;
	memset(latin_septets, 0, sizeof(latin_septets));
	n_high_basic = 0;
	for (i = 0; i < 128; i++)
	{
		uint16_t	cp = gsm_basic[i];

		if (cp == 0xFFFF)
			continue;
		if (cp < 256)
			latin_septets[cp] = 1;
		else
			high_basic[n_high_basic++] = cp;
	}
	for (i = 0; i < (int) (sizeof(gsm_extension) / sizeof(gsm_extension[0])); i++)
	{
		if (gsm_extension[i] < 256)
			latin_septets[gsm_extension[i]] = 2;
	}
	table_ready = true;
}

int
sms_gsm_septets(uint32_t cp)
{
	int			i;

	build_tables();
	if (cp < 256)
		return latin_septets[cp];
	if (cp == 0x20AC)
		return 2;
	for (i = 0; i < n_high_basic; i++)
		if (high_basic[i] == cp)
			return 1;
	return 0;
}

int
sms_utf16_units(uint32_t cp)
{
	return cp >= 0x10000 ? 2 : 1;
}

int
sms_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c;
	uint32_t	v;
	int			n,
				i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	else if (c >= 0xC2 && c <= 0xDF)
	{
		n = 2;
		v = c & 0x1F;
	}
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		v = c & 0x0F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		v = c & 0x07;
	}
	else
		return 0;				/* continuation byte, C0/C1, F5..FF */
	if (len < (size_t) n)
		return 0;
	for (i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	/* reject overlong forms, surrogates and values beyond Unicode */
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
		(v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	*cp = v;
	return n;
}

/*
 * Parts needed when items of width 1 or 2 are packed in order into parts of
 * `cap` units without splitting an item: a greedy fill, which is what a
 * sender does.
 */
static long
pack_parts(const char *body, size_t len, SmsEncoding enc, long cap)
{
	const unsigned char *s = (const unsigned char *) body;
	size_t		off = 0;
	long		parts = 1;
	long		used = 0;

	while (off < len)
	{
		uint32_t	cp = 0;
		int			n = sms_utf8_decode(s + off, len - off, &cp);
		int			w;

		off += n;				/* the body was validated by the caller */
		w = (enc == SMS_ENC_GSM7) ? sms_gsm_septets(cp) : sms_utf16_units(cp);
		if (used + w > cap)
		{
			parts++;
			used = 0;
		}
		used += w;
	}
	return parts;
}

SmsStatus
sms_measure(const char *body, size_t len, SmsMeasure *m)
{
	const unsigned char *s = (const unsigned char *) body;
	size_t		off = 0;
	long		chars = 0,
				septets = 0,
				units = 0;
	bool		gsm = true;

	m->encoding = SMS_ENC_GSM7;
	m->chars = m->units = m->segments = 0;
	m->per_segment = SMS_GSM_SINGLE;
	m->bad_offset = -1;

	while (off < len)
	{
		uint32_t	cp = 0;
		int			n = sms_utf8_decode(s + off, len - off, &cp);
		int			sep;

		if (n == 0)
		{
			m->bad_offset = (long) off;
			return SMS_BAD_UTF8;
		}
		off += n;
		chars++;
		units += sms_utf16_units(cp);
		sep = sms_gsm_septets(cp);
		if (sep == 0)
			gsm = false;
		septets += sep;
	}
	m->chars = chars;
	if (gsm)
	{
		m->encoding = SMS_ENC_GSM7;
		m->units = septets;
		if (septets == 0)
			m->segments = 0;
		else if (septets <= SMS_GSM_SINGLE)
		{
			m->segments = 1;
			m->per_segment = SMS_GSM_SINGLE;
		}
		else
		{
			m->segments = pack_parts(body, len, SMS_ENC_GSM7, SMS_GSM_MULTI);
			m->per_segment = SMS_GSM_MULTI;
		}
	}
	else
	{
		m->encoding = SMS_ENC_UCS2;
		m->units = units;
		if (units <= SMS_UCS2_SINGLE)
		{
			m->segments = 1;
			m->per_segment = SMS_UCS2_SINGLE;
		}
		else
		{
			m->segments = pack_parts(body, len, SMS_ENC_UCS2, SMS_UCS2_MULTI);
			m->per_segment = SMS_UCS2_MULTI;
		}
	}
	return SMS_OK;
}

long
sms_segments(const char *body, size_t len)
{
	SmsMeasure	m;

	if (sms_measure(body, len, &m) != SMS_OK)
		return -1;
	return m.segments;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
sms_valid_e164(const char *s, size_t len)
{
	size_t		i;

	if (s == NULL || len < 2 || len > 1 + SMS_E164_MAX_DIGITS || s[0] != '+')
		return false;
	if (s[1] == '0')
		return false;
	for (i = 1; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool
sms_valid_sender(const char *s, size_t len)
{
	size_t		i;
	bool		letter = false;

	if (s == NULL || len < 1 || len > SMS_SENDER_MAX)
		return false;
	for (i = 0; i < len; i++)
	{
		if (is_alpha(s[i]))
			letter = true;
		else if (!is_digit(s[i]))
			return false;
	}
	return letter;
}

/* RFC 5322 atext: letters, digits and !#$%&'*+-/=?^_`{|}~ */
static bool
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;			/* UTF-8 local parts (RFC 6531) */
	if (is_alpha((char) c) || is_digit((char) c))
		return true;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

bool
msg_valid_email(const char *s, size_t len)
{
	const char *at = NULL;
	size_t		i,
				local_len,
				label_len = 0,
				labels = 1;
	const unsigned char *d;
	size_t		dlen;

	if (s == NULL || len < 3 || len > EMAIL_MAX)
		return false;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c <= 0x20 || c == 0x7F)
			return false;		/* spaces and control characters */
		if (c == '@')
		{
			if (at != NULL)
				return false;	/* exactly one '@' */
			at = s + i;
		}
	}
	if (at == NULL)
		return false;

	/* local part: dot-atom */
	local_len = (size_t) (at - s);
	if (local_len < 1 || local_len > EMAIL_LOCAL_MAX)
		return false;
	if (s[0] == '.' || s[local_len - 1] == '.')
		return false;
	for (i = 0; i < local_len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '.')
		{
			if (s[i + 1] == '.')
				return false;
		}
		else if (!is_atext(c))
			return false;
	}

	/* domain: labels separated by single dots, at least two of them */
	d = (const unsigned char *) at + 1;
	dlen = len - local_len - 1;
	if (dlen < 3 || dlen > 253)
		return false;
	for (i = 0; i < dlen; i++)
	{
		unsigned char c = d[i];

		if (c == '.')
		{
			if (label_len == 0 || d[i - 1] == '-')
				return false;
			labels++;
			label_len = 0;
			continue;
		}
		if (!(c >= 0x80 || is_alpha((char) c) || is_digit((char) c) || c == '-'))
			return false;
		if (c == '-' && label_len == 0)
			return false;
		if (++label_len > EMAIL_LABEL_MAX)
			return false;
	}
	if (label_len == 0 || d[dlen - 1] == '-')
		return false;
	return labels >= 2;
}

bool
msg_valid_slack(const char *s, size_t len)
{
	size_t		start,
				i;

	if (s == NULL)
		return false;
	if (len >= 1 && s[0] == '#')
		start = 1;
	else if (len >= 8 && memcmp(s, "webhook:", 8) == 0)
		start = 8;
	else
		return false;
	if (len - start < 1 || len - start > SLACK_NAME_MAX)
		return false;
	for (i = start; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Unicode white space (White_Space property) plus the zero-width ones. */
static bool
is_space_cp(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 ||
		cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
		cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
		cp == 0x3000 || cp == 0xFEFF;
}

bool
msg_blank(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		off = 0;

	if (s == NULL)
		return true;
	while (off < len)
	{
		uint32_t	cp = 0;
		int			n = sms_utf8_decode(u + off, len - off, &cp);

		if (n == 0 || !is_space_cp(cp))
			return false;
		off += n;
	}
	return true;
}
