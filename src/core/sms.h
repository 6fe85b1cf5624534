/*
 * sms.h — measuring and segmenting SMS bodies (GSM 03.38 / UCS-2), and
 * checking message recipients (E.164 numbers, e-mail addresses, Slack
 * destinations).  Plain C99, no PostgreSQL headers.
 *
 * Bodies are UTF-8.  A body whose every character is in the GSM 03.38 basic
 * table or its extension table is sent in the GSM 7-bit alphabet: a basic
 * character takes one septet, an extension character (^ { } \ [ ~ ] | EURO
 * and form feed) two (an escape plus the character).  Any other character
 * switches the whole body to UCS-2, measured in UTF-16 code units: a
 * character outside the Basic Multilingual Plane (most emoji) is a surrogate
 * pair of two units.
 *
 * One segment holds 160 septets or 70 units.  Longer bodies are sent as a
 * concatenated SMS whose parts carry a 6-byte user data header and so hold
 * 153 septets or 67 units each; as handsets do, the two septets of an
 * extension character and the two units of a surrogate pair are never split
 * across two parts, so a part may hold one less.
 */
#ifndef LASTMILE_SMS_H
#define LASTMILE_SMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SMS_GSM_SINGLE		160		/* septets in a single-part SMS */
#define SMS_GSM_MULTI		153		/* septets per part of a multi-part SMS */
#define SMS_UCS2_SINGLE		70		/* UTF-16 units in a single-part SMS */
#define SMS_UCS2_MULTI		67		/* UTF-16 units per part of a multi-part SMS */

#define SMS_E164_MAX_DIGITS	15		/* ITU-T E.164: at most 15 digits */
#define SMS_SENDER_MAX		11		/* alphanumeric sender id: at most 11 */
#define SLACK_NAME_MAX		80		/* Slack channel names: at most 80 */
#define EMAIL_MAX			254		/* RFC 5321 path limit minus <> */
#define EMAIL_LOCAL_MAX		64
#define EMAIL_LABEL_MAX		63

typedef enum SmsEncoding
{
	SMS_ENC_GSM7 = 0,			/* GSM 03.38 7-bit default alphabet */
	SMS_ENC_UCS2 = 1			/* UCS-2 / UTF-16 */
} SmsEncoding;

typedef enum SmsStatus
{
	SMS_OK = 0,
	SMS_BAD_UTF8 = 1			/* the body is not valid UTF-8 */
} SmsStatus;

typedef struct SmsMeasure
{
	SmsEncoding encoding;
	long		chars;			/* Unicode code points */
	long		units;			/* septets (GSM7) or UTF-16 code units (UCS2) */
	long		segments;		/* 0 for an empty body */
	long		per_segment;	/* capacity of one part: 160/153 or 70/67 */
	long		bad_offset;		/* byte offset of bad UTF-8, or -1 */
} SmsMeasure;

/*
 * Septets a code point takes in the GSM 7-bit alphabet: 1 (basic table),
 * 2 (extension table), or 0 when it is not representable.
 */
extern int	sms_gsm_septets(uint32_t cp);

/* UTF-16 code units of a code point: 2 outside the BMP, else 1. */
extern int	sms_utf16_units(uint32_t cp);

/*
 * Decode one UTF-8 character at s[0..len); stores the code point and returns
 * its byte length, or 0 when the bytes are not valid UTF-8 (overlong forms,
 * surrogates and values above U+10FFFF are invalid).
 */
extern int	sms_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Measure a UTF-8 body of len bytes; fills *m. */
extern SmsStatus sms_measure(const char *body, size_t len, SmsMeasure *m);

/*
 * Segments a body needs (0 for an empty body), or -1 when it is not valid
 * UTF-8.
 */
extern long sms_segments(const char *body, size_t len);

/*
 * E.164: '+' then 1 to 15 ASCII digits, the first not 0.  No spaces, dots or
 * dashes.
 */
extern bool sms_valid_e164(const char *s, size_t len);

/*
 * Alphanumeric sender id: 1 to 11 ASCII letters or digits, at least one a
 * letter (an all-digit sender would be a phone number).
 */
extern bool sms_valid_sender(const char *s, size_t len);

/*
 * A sane subset of RFC 5322 addr-spec: local@domain, exactly one '@'; the
 * local part (1..64) of atext characters and single dots, not starting or
 * ending with a dot; the domain (at most 253) of at least two dot-separated
 * labels of ASCII letters, digits and '-' (1..63, not starting or ending
 * with '-'), or of non-ASCII UTF-8 (internationalised names); no spaces or
 * control characters; total at most 254 bytes.
 */
extern bool msg_valid_email(const char *s, size_t len);

/*
 * A Slack destination: a channel "#name" or a webhook name "webhook:name",
 * where name is 1..80 of lowercase ASCII letters, digits, '-' and '_'.
 */
extern bool msg_valid_slack(const char *s, size_t len);

/* True when the string is empty or only ASCII/Unicode-space whitespace. */
extern bool msg_blank(const char *s, size_t len);

#endif							/* LASTMILE_SMS_H */
