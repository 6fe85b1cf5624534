/*
 * messages.c — customer messages: lastmile.notify(), lastmile.sms_segments(),
 * lastmile.sms_info() and the setting lastmile.sms_max_segments.
 *
 * The rules (GSM 03.38 / UCS-2 measurement, segmenting, recipient checks)
 * are in src/core/sms.c; this file checks arguments, turns core results into
 * errors, and writes the notification and its message with SPI.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "lastmile.h"
#include "sms.h"

/* lastmile.sms_max_segments: most segments notify() accepts for one SMS */
static int	sms_max_segments = 1;

/* the LISTEN/NOTIFY channel notify() signals, payload = message_id */
#define MESSAGE_CHANNEL "lastmile_message"

void
lastmile_messages_init(void)
{
	DefineCustomIntVariable("lastmile.sms_max_segments",
							"Most SMS segments lastmile.notify() accepts for one message.",
							"A body that needs more segments is an error (SQLSTATE 22001).",
							&sms_max_segments,
							1, 1, 255,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* A text argument as a NUL-terminated UTF-8 string; *len gets its length. */
static char *
text_to_utf8(text *t, int *len)
{
	int			n = VARSIZE_ANY_EXHDR(t);
	char	   *conv = pg_server_to_any(VARDATA_ANY(t), n, PG_UTF8);
	char	   *out;

	if (conv != VARDATA_ANY(t))
	{
		*len = strlen(conv);
		return conv;			/* palloc'd and terminated by the converter */
	}
	out = palloc(n + 1);
	memcpy(out, VARDATA_ANY(t), n);
	out[n] = '\0';
	*len = n;
	return out;
}

/* Measure a UTF-8 body; an invalid sequence (SQL_ASCII database) is 22021. */
static void
measure_or_error(const char *body, int len, SmsMeasure *m)
{
	if (sms_measure(body, (size_t) len, m) != SMS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid UTF-8 byte sequence in SMS body at byte %ld",
						m->bad_offset + 1)));
}

PG_FUNCTION_INFO_V1(lastmile_sms_segments);

/* sms_segments(body text) -> int: segments an SMS body needs (0 if empty) */
Datum
lastmile_sms_segments(PG_FUNCTION_ARGS)
{
	int			len;
	char	   *body = text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	SmsMeasure	m;

	measure_or_error(body, len, &m);
	PG_RETURN_INT32((int32) m.segments);
}

PG_FUNCTION_INFO_V1(lastmile_sms_info);

/*
 * sms_info(body text) -> (encoding, chars, units, segments, per_segment):
 * how an SMS body is measured, e.g. for a "123/160" counter.
 */
Datum
lastmile_sms_info(PG_FUNCTION_ARGS)
{
	int			len;
	char	   *body = text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	SmsMeasure	m;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	measure_or_error(body, len, &m);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = CStringGetTextDatum(m.encoding == SMS_ENC_GSM7 ? "gsm7" : "ucs2");
	values[1] = Int32GetDatum((int32) m.chars);
	values[2] = Int32GetDatum((int32) m.units);
	values[3] = Int32GetDatum((int32) m.segments);
	values[4] = Int32GetDatum((int32) m.per_segment);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---------------------------------------------------------------------
 * notify
 * ---------------------------------------------------------------------
 */

/* SPI plans, prepared once per backend */
static SPIPlanPtr plan_request = NULL;
static SPIPlanPtr plan_rate = NULL;
static SPIPlanPtr plan_notification = NULL;
static SPIPlanPtr plan_message = NULL;
static SPIPlanPtr plan_existing = NULL;

static SPIPlanPtr
prepare_once(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = p;
	}
	return *slot;
}

/* Run a kept plan; any SPI failure is an internal error. */
static void
run_plan(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only,
		 long count)
{
	int			rc = SPI_execute_plan(plan, values, nulls, read_only, count);

	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
}

static char *
arg_cstring_utf8(FunctionCallInfo fcinfo, int i, int *len)
{
	return text_to_utf8(PG_GETARG_TEXT_PP(i), len);
}

/* The text of a text argument in the server encoding (for messages). */
static char *
arg_cstring(FunctionCallInfo fcinfo, int i)
{
	return text_to_cstring(PG_GETARG_TEXT_PP(i));
}

PG_FUNCTION_INFO_V1(lastmile_notify);

/*
 * notify(request_id bigint, event text, channel lastmile.channel,
 *        recipient text, body text [, idempotency_key text]) -> message_id
 *
 * Creates one notification and its one message.  With an idempotency key,
 * a second call with the same request and key returns the first call's
 * message_id (when the arguments are the same) instead of creating
 * anything; two sessions racing with one key get one message.
 */
Datum
lastmile_notify(PG_FUNCTION_ARGS)
{
	static const char *const argname[] = {
		"request_id", "event", "channel", "recipient", "body"
	};
	int64		request_id;
	char	   *channel;
	char	   *recipient;
	char	   *recipient_utf8;
	int			recipient_len;
	char	   *body_utf8;
	int			body_len;
	char	   *key = NULL;
	bool		is_sms;
	SmsMeasure	m = {0};
	char	   *sender = NULL;
	Datum		rate_price = (Datum) 0;
	int64		notification_id;
	int64		message_id;
	bool		isnull;
	int			i;

	for (i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be null", argname[i])));

	request_id = PG_GETARG_INT64(0);
	channel = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(2)));
	recipient = arg_cstring(fcinfo, 3);
	recipient_utf8 = arg_cstring_utf8(fcinfo, 3, &recipient_len);
	body_utf8 = arg_cstring_utf8(fcinfo, 4, &body_len);
	if (PG_NARGS() > 5 && !PG_ARGISNULL(5))
	{
		key = arg_cstring(fcinfo, 5);
		if (key[0] == '\0' || strlen(key) > 200)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid idempotency key \"%s\"", key),
					 errdetail("An idempotency key is 1 to 200 bytes.")));
	}

	{
		int			elen;
		char	   *e = text_to_utf8(PG_GETARG_TEXT_PP(1), &elen);

		if (msg_blank(e, elen))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("event must not be empty")));
	}
	if (msg_blank(body_utf8, body_len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("message body must not be empty")));

	is_sms = (strcmp(channel, "sms") == 0);
	if (is_sms)
	{
		if (!sms_valid_e164(recipient_utf8, recipient_len))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid SMS recipient \"%s\"", recipient),
					 errdetail("An SMS recipient is an E.164 number: \"+\" then 1 to 15 digits, the first not 0, with no spaces or punctuation, e.g. \"+33612345678\".")));
		measure_or_error(body_utf8, body_len, &m);
		if (m.segments > sms_max_segments)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("SMS body needs %ld segments, more than lastmile.sms_max_segments (%d)",
							m.segments, sms_max_segments),
					 errdetail("The body is %ld characters, %ld %s; %s.",
							   m.chars, m.units,
							   m.encoding == SMS_ENC_GSM7 ? "GSM 03.38 septets" : "UCS-2 code units",
							   m.encoding == SMS_ENC_GSM7 ?
							   "one segment holds 160 septets, each part of a longer message 153" :
							   "one segment holds 70 units, each part of a longer message 67"),
					 errhint("Shorten the body or raise lastmile.sms_max_segments.")));
	}
	else if (strcmp(channel, "email") == 0)
	{
		if (!msg_valid_email(recipient_utf8, recipient_len))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid e-mail recipient \"%s\"", recipient),
					 errdetail("An e-mail recipient is local@domain: one \"@\", a domain with a dot, no spaces, no quoted or bracketed parts.")));
	}
	else if (strcmp(channel, "slack") == 0)
	{
		if (!msg_valid_slack(recipient_utf8, recipient_len))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid Slack recipient \"%s\"", recipient),
					 errdetail("A Slack recipient is a channel \"#name\" or a webhook name \"webhook:name\", name being 1 to 80 lowercase letters, digits, \"-\" or \"_\".")));
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("channel \"%s\" is not supported", channel)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* the request, and its retailer's SMS sender name */
	{
		Oid			types[1] = {INT8OID};
		Datum		values[1];

		prepare_once(&plan_request,
					 "SELECT r.sms_sender"
					 "  FROM lastmile.transport_request t"
					 "  LEFT JOIN lastmile.retailer r ON r.retailer_id = t.retailer_id"
					 " WHERE t.request_id = $1",
					 1, types);
		values[0] = Int64GetDatum(request_id);
		run_plan(plan_request, values, NULL, false, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("request " INT64_FORMAT " does not exist", request_id)));
		sender = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	}

	/* SMS: the rate of the longest prefix of the number */
	if (is_sms)
	{
		Oid			types[1] = {TEXTARRAYOID};
		Datum		values[1];
		Datum		prefixes[SMS_E164_MAX_DIGITS];
		int			ndigits = recipient_len - 1;
		bool		allowed;

		for (i = 0; i < ndigits; i++)
			prefixes[i] = PointerGetDatum(cstring_to_text_with_len(recipient_utf8 + 1, i + 1));
		values[0] = PointerGetDatum(construct_array(prefixes, ndigits, TEXTOID, -1, false, TYPALIGN_INT));
		prepare_once(&plan_rate,
					 "SELECT s.price, s.sender_allowed"
					 "  FROM lastmile.sms_rate s"
					 " WHERE s.prefix = ANY ($1)"
					 " ORDER BY length(s.prefix) DESC"
					 " LIMIT 1",
					 1, types);
		run_plan(plan_rate, values, NULL, false, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("no SMS rate for \"%s\"", recipient),
					 errhint("Add a row to lastmile.sms_rate whose prefix begins the number.")));
		rate_price = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("SMS rate for \"%s\" has no price", recipient)));
		rate_price = SPI_datumTransfer(rate_price, false, -1);
		allowed = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (isnull || !allowed)
			sender = NULL;
	}
	else
		sender = NULL;

	/* the notification (or, with a key already used, the existing one) */
	{
		Oid			types[3] = {INT8OID, TEXTOID, TEXTOID};
		Datum		values[3];
		char		nulls[3] = {' ', ' ', ' '};

		prepare_once(&plan_notification,
					 "INSERT INTO lastmile.notification (request_id, event, idempotency_key)"
					 " VALUES ($1, $2, $3)"
					 " ON CONFLICT (request_id, idempotency_key) DO NOTHING"
					 " RETURNING notification_id",
					 3, types);
		values[0] = Int64GetDatum(request_id);
		values[1] = PG_GETARG_DATUM(1);
		values[2] = key ? CStringGetTextDatum(key) : (Datum) 0;
		nulls[2] = key ? ' ' : 'n';
		run_plan(plan_notification, values, nulls, false, 0);
		if (SPI_processed == 1)
			notification_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 1, &isnull));
		else
			notification_id = 0;	/* the key was used: see below */
	}

	if (notification_id != 0)
	{
		Oid			types[8] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, INT4OID,
		NUMERICOID, TEXTOID, TEXTOID};
		Datum		values[8];
		char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

		prepare_once(&plan_message,
					 "INSERT INTO lastmile.message"
					 " (notification_id, channel, recipient, body, segments, price, sender, encoding)"
					 " VALUES ($1, $2::lastmile.channel, $3, $4, $5,"
					 "         coalesce($6 * $5, 0), $7, $8)"
					 " RETURNING message_id",
					 8, types);
		values[0] = Int64GetDatum(notification_id);
		values[1] = CStringGetTextDatum(channel);
		values[2] = PG_GETARG_DATUM(3);
		values[3] = PG_GETARG_DATUM(4);
		if (is_sms)
		{
			values[4] = Int32GetDatum((int32) m.segments);
			values[5] = rate_price;
			values[7] = CStringGetTextDatum(m.encoding == SMS_ENC_GSM7 ? "gsm7" : "ucs2");
		}
		else
		{
			nulls[4] = nulls[5] = nulls[7] = 'n';
			values[4] = values[5] = values[7] = (Datum) 0;
		}
		values[6] = sender ? CStringGetTextDatum(sender) : (Datum) 0;
		nulls[6] = sender ? ' ' : 'n';
		run_plan(plan_message, values, nulls, false, 0);
		if (SPI_processed != 1)
			elog(ERROR, "message insert returned " UINT64_FORMAT " rows", SPI_processed);
		message_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull));
		Async_Notify(MESSAGE_CHANNEL, psprintf(INT64_FORMAT, message_id));
	}
	else
	{
		/*
		 * The key was used by a committed call (ON CONFLICT waited for it if
		 * it was in flight): return its message when the call was the same.
		 */
		Oid			types[6] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
		Datum		values[6];
		bool		same;

		prepare_once(&plan_existing,
					 "SELECT m.message_id,"
					 "       (n.event IS NOT DISTINCT FROM $3"
					 "        AND m.channel::text = $4"
					 "        AND m.recipient IS NOT DISTINCT FROM $5"
					 "        AND m.body IS NOT DISTINCT FROM $6)"
					 "  FROM lastmile.notification n"
					 "  LEFT JOIN lastmile.message m ON m.notification_id = n.notification_id"
					 " WHERE n.request_id = $1 AND n.idempotency_key = $2",
					 6, types);
		values[0] = Int64GetDatum(request_id);
		values[1] = CStringGetTextDatum(key);
		values[2] = PG_GETARG_DATUM(1);
		values[3] = CStringGetTextDatum(channel);
		values[4] = PG_GETARG_DATUM(3);
		values[5] = PG_GETARG_DATUM(4);
		run_plan(plan_existing, values, NULL, false, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access to idempotency key \"%s\" of request " INT64_FORMAT,
							key, request_id),
					 errhint("Retry the transaction.")));
		message_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull));
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("idempotency key \"%s\" of request " INT64_FORMAT " belongs to a notification without a message",
							key, request_id)));
		same = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 2, &isnull));
		if (isnull || !same)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("idempotency key \"%s\" of request " INT64_FORMAT " was already used for another message",
							key, request_id),
					 errdetail("Message " INT64_FORMAT " has this key; a retry must repeat the event, channel, recipient and body of the first call.",
							   message_id)));
	}

	SPI_finish();
	PG_RETURN_INT64(message_id);
}
