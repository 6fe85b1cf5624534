/*
 * labels.c — what the carrier gets: label_zpl, label_pdf and
 * delivery_slip_pdf (SPEC §4).
 *
 * The data comes from prepared SPI plans; the ZPL text is built by the
 * plain C core (src/core/zpl.c); the PDFs are drawn by cairo on a PDF
 * surface written to memory, with barcodes from zint drawn as cairo
 * rectangles (zint's vector output).  Every cairo or zint failure goes
 * through one choke point (lm_cairo_check / lm_zint_check) that turns it
 * into an ereport; the cairo and zint objects are owned by a memory
 * context whose reset callback destroys them, so nothing leaks when an
 * error unwinds through here.
 */
#include "postgres.h"

#include <math.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <zint.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "zpl.h"

PG_FUNCTION_INFO_V1(lastmile_label_zpl);
PG_FUNCTION_INFO_V1(lastmile_label_pdf);
PG_FUNCTION_INFO_V1(lastmile_delivery_slip_pdf);

#define FONT_FAMILY "DejaVu Sans"

/* Points per inch; the label page is 4 x 6 in, the slip A4 portrait. */
#define PT_PER_IN	72.0
#define LABEL_W		(4 * PT_PER_IN)
#define LABEL_H		(6 * PT_PER_IN)
#define A4_W		595.276
#define A4_H		841.890

/* ------------------------------------------------------------ resources */

/*
 * The cairo and zint objects of one call, owned by a memory context: the
 * context's reset/delete callback destroys whatever is still alive, on
 * success (MemoryContextDelete at the end) and on error (the parent
 * context is reset when the transaction or the statement aborts).
 */
typedef struct PdfRes
{
	MemoryContext cxt;			/* owns this struct and the output buffer */
	cairo_surface_t *surface;
	cairo_t    *cr;
	struct zint_symbol *symbol;
	char	   *data;			/* PDF bytes written by cairo */
	size_t		len;
	size_t		cap;
	MemoryContextCallback cb;
} PdfRes;

static void
pdfres_release(void *arg)
{
	PdfRes	   *r = (PdfRes *) arg;

	if (r->symbol)
		ZBarcode_Delete(r->symbol);
	r->symbol = NULL;
	if (r->cr)
		cairo_destroy(r->cr);
	r->cr = NULL;
	if (r->surface)
		cairo_surface_destroy(r->surface);
	r->surface = NULL;
}

static PdfRes *
pdfres_create(void)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lastmile pdf",
											  ALLOCSET_DEFAULT_SIZES);
	PdfRes	   *r = MemoryContextAllocZero(cxt, sizeof(PdfRes));

	r->cxt = cxt;
	r->cb.func = pdfres_release;
	r->cb.arg = r;
	MemoryContextRegisterResetCallback(cxt, &r->cb);
	return r;
}

/* The one place where cairo failures become errors. */
static void
lm_cairo_check(cairo_status_t status, const char *what)
{
	if (status != CAIRO_STATUS_SUCCESS)
		ereport(ERROR,
				(errcode(status == CAIRO_STATUS_NO_MEMORY ?
						 ERRCODE_OUT_OF_MEMORY : ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("cairo could not %s: %s", what,
						cairo_status_to_string(status))));
}

/* The one place where zint failures become errors. */
static void
lm_zint_check(int rc, struct zint_symbol *symbol, const char *data)
{
	if (rc >= ZINT_ERROR)
		ereport(ERROR,
				(errcode(rc == ZINT_ERROR_MEMORY ?
						 ERRCODE_OUT_OF_MEMORY : ERRCODE_DATA_EXCEPTION),
				 errmsg("could not encode \"%s\" as a barcode: %s",
						data, symbol ? symbol->errtxt : "zint error")));
}

/*
 * cairo's write function: appends to the buffer in r->cxt.  Called from
 * inside cairo, so it must not ereport: allocation failures are reported
 * back to cairo, which then fails, and lm_cairo_check raises the error.
 */
static cairo_status_t
pdf_write(void *closure, const unsigned char *bytes, unsigned int length)
{
	PdfRes	   *r = (PdfRes *) closure;

	if (r->len + length > r->cap)
	{
		size_t		cap = r->cap ? r->cap : 16384;
		char	   *p;

		while (cap < r->len + length)
			cap *= 2;
		if (cap >= MaxAllocHugeSize)
			return CAIRO_STATUS_WRITE_ERROR;
		p = MemoryContextAllocExtended(r->cxt, cap,
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (p == NULL)
			return CAIRO_STATUS_WRITE_ERROR;
		if (r->len > 0)
			memcpy(p, r->data, r->len);
		if (r->data)
			pfree(r->data);
		r->data = p;
		r->cap = cap;
	}
	memcpy(r->data + r->len, bytes, length);
	r->len += length;
	return CAIRO_STATUS_SUCCESS;
}

/* Starts a PDF document of pages w x h points. */
static void
pdf_begin(PdfRes *r, double w, double h, const char *title)
{
	r->surface = cairo_pdf_surface_create_for_stream(pdf_write, r, w, h);
	lm_cairo_check(cairo_surface_status(r->surface), "create a PDF surface");
	cairo_pdf_surface_set_metadata(r->surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(r->surface, CAIRO_PDF_METADATA_CREATOR,
								   "lastmile (PostgreSQL extension)");
	r->cr = cairo_create(r->surface);
	lm_cairo_check(cairo_status(r->cr), "create a drawing context");
}

/* Finishes the document and returns it as a bytea in the caller's context. */
static bytea *
pdf_end(PdfRes *r, MemoryContext result_cxt)
{
	bytea	   *result;

	lm_cairo_check(cairo_status(r->cr), "draw the document");
	cairo_destroy(r->cr);
	r->cr = NULL;
	cairo_surface_finish(r->surface);
	lm_cairo_check(cairo_surface_status(r->surface), "write the PDF");
	cairo_surface_destroy(r->surface);
	r->surface = NULL;

	result = (bytea *) MemoryContextAllocHuge(result_cxt, r->len + VARHDRSZ);
	SET_VARSIZE(result, r->len + VARHDRSZ);
	if (r->len > 0)
		memcpy(VARDATA(result), r->data, r->len);
	return result;
}

/* --------------------------------------------------------------- drawing */

static void
set_font(cairo_t *cr, double size, bool bold)
{
	cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
						   bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

/* zpl_wrap measure(): the advance of s[0..n) in the current cairo font. */
static double
cairo_measure(const char *s, size_t n, void *arg)
{
	cairo_t    *cr = (cairo_t *) arg;
	char		tmp[1024];
	cairo_text_extents_t ext;

	if (n >= sizeof(tmp))
	{
		n = sizeof(tmp) - 1;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	cairo_text_extents(cr, tmp, &ext);
	return ext.x_advance;
}

/* Shows s[0..n) at (x, y) (baseline), plus an ellipsis when asked. */
static void
show(cairo_t *cr, double x, double y, const char *s, size_t n, bool ellipsis)
{
	char		tmp[1024 + 4];

	if (n > 1023)
		n = 1023;
	while (n > 0 && n < strlen(s) && ((unsigned char) s[n] & 0xC0) == 0x80)
		n--;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (ellipsis)
		strcat(tmp, "\xE2\x80\xA6");	/* U+2026 */
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, tmp);
}

/*
 * Text wrapped into at most max_lines lines of width w, first baseline at
 * y; returns the baseline after the last line.
 */
static double
text_block(cairo_t *cr, double x, double y, double w, double size, bool bold,
		   int max_lines, const char *s)
{
	ZplLine		lines[16];
	int			count;
	int			i;

	if (s == NULL)
		return y;
	if (max_lines > 16)
		max_lines = 16;
	set_font(cr, size, bold);
	count = zpl_wrap(s, w, max_lines, cairo_measure, cr,
					 cairo_measure("\xE2\x80\xA6", 3, cr), lines);
	for (i = 0; i < count; i++)
	{
		show(cr, x, y, lines[i].s, lines[i].n, lines[i].truncated);
		y += size * 1.2;
	}
	return y;
}

/* One line of text right-aligned at x_right. */
static void
draw_right(cairo_t *cr, double x_right, double y, double size, bool bold, const char *s)
{
	set_font(cr, size, bold);
	show(cr, x_right - cairo_measure(s, strlen(s), cr), y, s, strlen(s), false);
}

static void
hrule(cairo_t *cr, double x0, double x1, double y, double width)
{
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, x0, y);
	cairo_line_to(cr, x1, y);
	cairo_stroke(cr);
}

/*
 * Draws a barcode of data with zint (symbology, e.g. BARCODE_CODE128) as
 * filled rectangles into the box (x, y, w, h), keeping the modules'
 * proportions across the width; returns the width used.
 */
static double
barcode(PdfRes *r, int symbology, const char *data, double x, double y,
		double w, double h, bool square)
{
	struct zint_symbol *sym;
	struct zint_vector_rect *rect;
	double		sx;
	double		sy;
	int			rc;

	r->symbol = sym = ZBarcode_Create();
	if (sym == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	sym->symbology = symbology;
	sym->show_hrt = 0;
	sym->input_mode = DATA_MODE;
	sym->whitespace_width = 0;
	sym->border_width = 0;
	rc = ZBarcode_Encode_and_Buffer_Vector(sym, (const unsigned char *) data,
										   (int) strlen(data), 0);
	lm_zint_check(rc, sym, data);
	if (sym->vector == NULL || sym->vector->width <= 0 || sym->vector->height <= 0)
		lm_zint_check(ZINT_ERROR_ENCODING_PROBLEM, sym, data);

	sx = w / sym->vector->width;
	sy = square ? sx : h / sym->vector->height;
	if (square && sy * sym->vector->height > h)
		sx = sy = h / sym->vector->height;
	cairo_set_source_rgb(r->cr, 0, 0, 0);
	for (rect = sym->vector->rectangles; rect != NULL; rect = rect->next)
		cairo_rectangle(r->cr, x + rect->x * sx, y + rect->y * sy,
						rect->width * sx, rect->height * sy);
	cairo_fill(r->cr);
	w = sym->vector->width * sx;
	ZBarcode_Delete(sym);
	r->symbol = NULL;
	lm_cairo_check(cairo_status(r->cr), "draw a barcode");
	return w;
}

/* ---------------------------------------------------------------- SPI */

static void
spi_check(int rc, int expected, const char *what)
{
	if (rc != expected)
		elog(ERROR, "SPI failed to %s: %s", what, SPI_result_code_string(rc));
}

static SPIPlanPtr
prepare_once(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		spi_check(SPI_keepplan(p), 0, "keep a plan");
		*plan = p;
	}
	return *plan;
}

/*
 * Column col (1-based) of row 0 of SPI_tuptable as UTF-8 text in cxt, with
 * control characters turned into spaces; NULL stays NULL.
 */
static char *
col_text(int row, int col, MemoryContext cxt)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
	char	   *u;
	char	   *result;

	if (v == NULL)
		return NULL;
	u = pg_server_to_any(v, strlen(v), PG_UTF8);
	result = MemoryContextStrdup(cxt, u);
	zpl_sanitize(result);
	return result;
}

static double
col_float8(int row, int col, double otherwise)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? otherwise : DatumGetFloat8(d);
}

static int64
col_int8(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* ------------------------------------------------------------- label data */

static SPIPlanPtr label_plan = NULL;

static const char *label_sql =
"SELECT p.tracking, p.weight_kg, r.status::text, c.name, r.carrier_id, "
"       r.service::text, to_char(r.ship_date, 'YYYY-MM-DD'), "
"       o.name, "
"       coalesce(nullif(concat_ws(', ', nullif(o.address, ''), "
"                         nullif(concat_ws(' ', o.postcode, o.city), ''), "
"                         CASE WHEN o.country <> r.country THEN o.country END), ''), "
"         CASE WHEN o.location IS NULL THEN NULL ELSE "
"         concat(to_char(abs(ST_Y(o.location)), 'FM990.00000'), "
"                CASE WHEN ST_Y(o.location) >= 0 THEN ' N, ' ELSE ' S, ' END, "
"                to_char(abs(ST_X(o.location)), 'FM990.00000'), "
"                CASE WHEN ST_X(o.location) >= 0 THEN ' E' ELSE ' W' END) END), "
"       r.recipient_name, r.address, r.postcode, r.city, r.country, "
"       r.recipient_phone, r.order_ref, "
"       (SELECT count(*) FROM lastmile.package q "
"         WHERE q.request_id = p.request_id AND q.package_id <= p.package_id), "
"       (SELECT count(*) FROM lastmile.package q WHERE q.request_id = p.request_id), "
"       r.request_id "
"  FROM lastmile.package p "
"  JOIN lastmile.transport_request r ON r.request_id = p.request_id "
"  LEFT JOIN lastmile.carrier c ON c.carrier_id = r.carrier_id "
"  LEFT JOIN lastmile.place o ON o.place_id = r.origin_id "
" WHERE p.package_id = $1";

/*
 * Loads everything a label shows for package_id into *l (strings in cxt),
 * or raises: unknown package (P0002), no tracking number or cancelled
 * request (55000), a tracking number Code 128 cannot carry (22000).
 */
static void
load_label(int64 package_id, MemoryContext cxt, ZplLabel *l)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	char	   *status;
	char	   *carrier_name;
	char	   *carrier_id;
	int			rc;

	memset(l, 0, sizeof(*l));
	values[0] = Int64GetDatum(package_id);
	spi_check(SPI_connect(), SPI_OK_CONNECT, "connect");
	prepare_once(&label_plan, label_sql, 1, types);
	rc = SPI_execute_plan(label_plan, values, NULL, true, 1);
	spi_check(rc, SPI_OK_SELECT, "read the package");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("package %lld does not exist", (long long) package_id)));

	l->tracking = col_text(0, 1, cxt);
	l->weight_kg = col_float8(0, 2, -1);
	status = col_text(0, 3, cxt);
	carrier_name = col_text(0, 4, cxt);
	carrier_id = col_text(0, 5, cxt);
	l->carrier = carrier_name ? carrier_name : carrier_id;
	l->service = col_text(0, 6, cxt);
	l->ship_date = col_text(0, 7, cxt);
	l->sender_name = col_text(0, 8, cxt);
	l->sender_location = col_text(0, 9, cxt);
	l->recipient_name = col_text(0, 10, cxt);
	l->address = col_text(0, 11, cxt);
	l->postcode = col_text(0, 12, cxt);
	l->city = col_text(0, 13, cxt);
	l->country = col_text(0, 14, cxt);
	l->phone = col_text(0, 15, cxt);
	l->order_ref = col_text(0, 16, cxt);
	l->package_no = (long) col_int8(0, 17);
	l->package_count = (long) col_int8(0, 18);

	if (l->tracking == NULL || l->tracking[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("package %lld has no tracking number", (long long) package_id),
				 errdetail("Request %lld is in status \"%s\".",
						   (long long) col_int8(0, 19), status ? status : ""),
				 errhint("Allocate the request to a carrier first: lastmile.allocate(%lld).",
						 (long long) col_int8(0, 19))));
	if (status && strcmp(status, "cancelled") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("package %lld belongs to cancelled request %lld",
						(long long) package_id, (long long) col_int8(0, 19))));
	if (zpl_check_code128(l->tracking) != ZPL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("tracking number \"%s\" of package %lld cannot be printed as Code 128",
						l->tracking, (long long) package_id),
				 errdetail("A tracking number must be 1 to 40 printable ASCII characters other than \">\".")));
	spi_check(SPI_finish(), SPI_OK_FINISH, "finish");
}

/* ------------------------------------------------------------- label_zpl */

/*
 * label_zpl(package_id bigint) returns text: the ZPL II label.
 */
Datum
lastmile_label_zpl(PG_FUNCTION_ARGS)
{
	int64		package_id = PG_GETARG_INT64(0);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "label_zpl",
											  ALLOCSET_SMALL_SIZES);
	ZplLabel	l;
	ZplBuf		b;
	int			rc;
	char	   *server;
	text	   *volatile result = NULL;

	load_label(package_id, cxt, &l);
	zpl_buf_init(&b);
	rc = zpl_label(&l, &b);
	if (rc != ZPL_OK)
	{
		zpl_buf_free(&b);
		ereport(ERROR,
				(errcode(rc == ZPL_ENOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_DATA_EXCEPTION),
				 errmsg("could not build the ZPL label of package %lld", (long long) package_id)));
	}
	/* the ZPL is UTF-8 (^CI28); return it in the database encoding */
	PG_TRY();
	{
		server = pg_any_to_server(b.data, (int) b.len, PG_UTF8);
		result = cstring_to_text(server);
	}
	PG_FINALLY();
	{
		zpl_buf_free(&b);
	}
	PG_END_TRY();
	MemoryContextDelete(cxt);
	PG_RETURN_TEXT_P(result);
}

/* ------------------------------------------------------------- label_pdf */

/* Caption in small capitals style at (x, y). */
static void
caption(cairo_t *cr, double x, double y, const char *s)
{
	set_font(cr, 6.5, true);
	show(cr, x, y, s, strlen(s), false);
}

/*
 * label_pdf(package_id bigint) returns bytea: the label as a one-page
 * 4 x 6 in PDF, the same content as label_zpl.
 */
Datum
lastmile_label_pdf(PG_FUNCTION_ARGS)
{
	int64		package_id = PG_GETARG_INT64(0);
	MemoryContext outer = CurrentMemoryContext;
	PdfRes	   *r = pdfres_create();
	ZplLabel	l;
	cairo_t    *cr;
	char		tmp[512];
	char		title[64];
	double		m = 10.0;		/* margin */
	double		w = LABEL_W - 2 * m;
	double		y;
	double		bw;
	int			i;
	bytea	   *result;

	load_label(package_id, r->cxt, &l);
	snprintf(title, sizeof(title), "Label of package %lld", (long long) package_id);
	pdf_begin(r, LABEL_W, LABEL_H, title);
	cr = r->cr;
	cairo_set_source_rgb(cr, 0, 0, 0);

	/* frame */
	cairo_set_line_width(cr, 1.2);
	cairo_rectangle(cr, 5, 5, LABEL_W - 10, LABEL_H - 10);
	cairo_stroke(cr);

	/* carrier, service, ship date */
	text_block(cr, m + 3, 28, w - 6, 18, true, 1, l.carrier ? l.carrier : "");
	snprintf(tmp, sizeof(tmp), "%s", l.service ? l.service : "");
	for (i = 0; tmp[i]; i++)
		tmp[i] = (tmp[i] == '_') ? ' ' : pg_toupper((unsigned char) tmp[i]);
	text_block(cr, m + 3, 46, 130, 10, true, 1, tmp);
	snprintf(tmp, sizeof(tmp), "SHIP %s", l.ship_date ? l.ship_date : "");
	draw_right(cr, LABEL_W - m - 3, 46, 10, true, tmp);
	hrule(cr, 5, LABEL_W - 5, 54, 1);

	/* sender */
	caption(cr, m + 3, 64, "FROM");
	y = text_block(cr, m + 3, 76, w - 6, 10, false, 1, l.sender_name ? l.sender_name : "");
	text_block(cr, m + 3, y, w - 6, 8, false, 1, l.sender_location);
	hrule(cr, 5, LABEL_W - 5, 100, 1);

	/* recipient */
	caption(cr, m + 3, 110, "TO");
	y = text_block(cr, m + 3, 127, w - 6, 16, true, 2, l.recipient_name ? l.recipient_name : "");
	y = text_block(cr, m + 3, y + 2, w - 6, 12, false, 3, l.address);
	snprintf(tmp, sizeof(tmp), "%s %s", l.postcode ? l.postcode : "", l.city ? l.city : "");
	y = text_block(cr, m + 3, y + 4, w - 6, 16, true, 1, tmp);
	snprintf(tmp, sizeof(tmp), "%s%s%s", l.country ? l.country : "",
			 (l.country && l.country[0] && l.phone && l.phone[0]) ? "   Tel " : "",
			 l.phone ? l.phone : "");
	text_block(cr, m + 3, y + 2, w - 6, 11, false, 1, tmp);
	hrule(cr, 5, LABEL_W - 5, 256, 1);

	/* order ref, package n/N, weight */
	caption(cr, m + 3, 266, "ORDER");
	text_block(cr, m + 3, 281, 140, 11, true, 2, l.order_ref ? l.order_ref : "");
	caption(cr, 160, 266, "PACKAGE");
	snprintf(tmp, sizeof(tmp), "%ld/%ld", l.package_no, l.package_count);
	text_block(cr, 160, 284, 60, 16, true, 1, tmp);
	caption(cr, 222, 266, "WEIGHT");
	if (l.weight_kg >= 0 && !isnan(l.weight_kg) && !isinf(l.weight_kg))
	{
		zpl_format_weight(tmp, sizeof(tmp), l.weight_kg);
		text_block(cr, 222, 281, 56, 11, true, 1, tmp);
	}
	hrule(cr, 5, LABEL_W - 5, 306, 1);

	/* tracking: Code 128 and human-readable */
	caption(cr, m + 3, 316, "TRACKING");
	bw = barcode(r, BARCODE_CODE128, l.tracking, m + 14, 322, w - 28, 78, false);
	(void) bw;
	set_font(cr, 13, true);
	{
		double		tw = cairo_measure(l.tracking, strlen(l.tracking), cr);

		show(cr, (LABEL_W - tw) / 2, 416, l.tracking, strlen(l.tracking), false);
	}

	cairo_show_page(cr);
	result = pdf_end(r, outer);
	MemoryContextDelete(r->cxt);
	PG_RETURN_BYTEA_P(result);
}

/* ---------------------------------------------------- delivery_slip_pdf */

static SPIPlanPtr slip_plan = NULL;
static SPIPlanPtr slip_head_plan = NULL;

static const char *slip_sql =
"SELECT s.line, s.package_id, s.order_ref, s.tracking, s.weight_kg, "
"       s.dims::text, lastmile.volume_cm3(s.dims), s.recipient, "
"       concat_ws(' ', r.postcode, r.city) "
"  FROM lastmile.delivery_slip($1, $2, $3) s "
"  JOIN lastmile.transport_request r ON r.request_id = s.request_id "
" ORDER BY s.line";

static const char *slip_head_sql =
"SELECT c.name, o.name, to_char($3, 'YYYY-MM-DD') "
"  FROM lastmile.carrier c, lastmile.place o "
" WHERE c.carrier_id = $1 AND o.place_id = $2";

typedef struct SlipRow
{
	int64		line;
	int64		package_id;
	char	   *order_ref;
	char	   *tracking;
	double		weight_kg;		/* NaN when NULL */
	char	   *dims;
	double		volume_cm3;		/* NaN when NULL */
	char	   *recipient;
	char	   *destination;
} SlipRow;

/* Table columns of the slip: x of the left edge and width, in points. */
typedef struct SlipCol
{
	const char *title;
	double		x;
	double		w;
	bool		right;
} SlipCol;

#define SLIP_M		40.0		/* page margin */
#define SLIP_ROW	15.0		/* row height */
#define SLIP_TOP	140.0		/* first row's top */
#define SLIP_ROWS	41			/* rows on a page without the footer */
#define SLIP_ROWS_LAST 30		/* rows on a page with the footer */

static const SlipCol slip_cols[] = {
	{"#", 40, 18, true},
	{"Package", 60, 40, true},
	{"Order ref", 106, 72, false},
	{"Tracking", 182, 86, false},
	{"Recipient", 272, 96, false},
	{"Destination", 372, 72, false},
	{"Weight kg", 446, 46, true},
	{"Dims cm", 500, 55, false},
};
#define SLIP_NCOLS ((int) lengthof(slip_cols))

/* One cell: text cut to the column width with an ellipsis. */
static void
cell(cairo_t *cr, const SlipCol *c, double y, const char *s)
{
	ZplLine		line;
	double		ell;

	if (s == NULL || s[0] == '\0')
		return;
	ell = cairo_measure("\xE2\x80\xA6", 3, cr);
	if (zpl_wrap(s, c->w - 2, 1, cairo_measure, cr, ell, &line) == 0)
		return;
	if (c->right && !line.truncated)
		show(cr, c->x + c->w - cairo_measure(line.s, line.n, cr), y, line.s, line.n, false);
	else
		show(cr, c->x, y, line.s, line.n, line.truncated);
}

static void
slip_header(cairo_t *cr, const char *carrier, const char *origin,
			const char *date, int page, int pages)
{
	char		tmp[256];
	int			i;

	set_font(cr, 18, true);
	show(cr, SLIP_M, 60, "Delivery slip", 13, false);
	snprintf(tmp, sizeof(tmp), "Page %d/%d", page, pages);
	draw_right(cr, A4_W - SLIP_M, 60, 9, false, tmp);

	caption(cr, SLIP_M, 84, "CARRIER");
	text_block(cr, SLIP_M, 98, 220, 11, true, 1, carrier);
	caption(cr, 270, 84, "FROM");
	text_block(cr, 270, 98, 190, 11, true, 1, origin);
	caption(cr, 470, 84, "SHIP DATE");
	text_block(cr, 470, 98, 90, 11, true, 1, date);
	hrule(cr, SLIP_M, A4_W - SLIP_M, 110, 1);

	set_font(cr, 7.5, true);
	for (i = 0; i < SLIP_NCOLS; i++)
		cell(cr, &slip_cols[i], 132, slip_cols[i].title);
	hrule(cr, SLIP_M, A4_W - SLIP_M, 138, 0.8);
}

static void
slip_row(cairo_t *cr, const SlipRow *row, double y)
{
	char		tmp[64];

	set_font(cr, 7.5, false);
	snprintf(tmp, sizeof(tmp), "%lld", (long long) row->line);
	cell(cr, &slip_cols[0], y, tmp);
	snprintf(tmp, sizeof(tmp), "%lld", (long long) row->package_id);
	cell(cr, &slip_cols[1], y, tmp);
	cell(cr, &slip_cols[2], y, row->order_ref);
	cell(cr, &slip_cols[3], y, row->tracking);
	cell(cr, &slip_cols[4], y, row->recipient);
	cell(cr, &slip_cols[5], y, row->destination);
	if (!isnan(row->weight_kg))
	{
		snprintf(tmp, sizeof(tmp), "%.2f", row->weight_kg);
		cell(cr, &slip_cols[6], y, tmp);
	}
	cell(cr, &slip_cols[7], y, row->dims);
	cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
	hrule(cr, SLIP_M, A4_W - SLIP_M, y + 4.5, 0.3);
	cairo_set_source_rgb(cr, 0, 0, 0);
}

/* Totals and the driver's signature box, from y down (about 170 pt). */
static void
slip_footer(cairo_t *cr, long count, double weight, double volume_m3, double y)
{
	char		tmp[128];
	double		bx = SLIP_M;
	double		bw = A4_W - 2 * SLIP_M;
	double		third = bw / 3;
	int			i;
	static const char *const boxes[] = {"Driver name", "Signature", "Time"};

	hrule(cr, SLIP_M, A4_W - SLIP_M, y, 1);
	caption(cr, SLIP_M, y + 16, "TOTALS");
	set_font(cr, 10, true);
	snprintf(tmp, sizeof(tmp), "%ld package%s", count, count == 1 ? "" : "s");
	show(cr, SLIP_M, y + 32, tmp, strlen(tmp), false);
	snprintf(tmp, sizeof(tmp), "%.2f kg", weight);
	show(cr, SLIP_M + 170, y + 32, tmp, strlen(tmp), false);
	snprintf(tmp, sizeof(tmp), "%.3f m\xC2\xB3", volume_m3);
	show(cr, SLIP_M + 340, y + 32, tmp, strlen(tmp), false);

	y += 52;
	caption(cr, SLIP_M, y, "RECEIVED BY THE CARRIER'S DRIVER");
	y += 8;
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, bx, y, bw, 80);
	cairo_stroke(cr);
	for (i = 0; i < 3; i++)
	{
		if (i > 0)
		{
			cairo_move_to(cr, bx + i * third, y);
			cairo_line_to(cr, bx + i * third, y + 80);
			cairo_stroke(cr);
		}
		set_font(cr, 8, false);
		show(cr, bx + i * third + 6, y + 13, boxes[i], strlen(boxes[i]), false);
	}
}

/*
 * delivery_slip_pdf(carrier_id text, origin_id bigint, ship_date date)
 * returns bytea: the rows of delivery_slip() on A4 pages with a header on
 * each page, then totals and a signature box.
 */
Datum
lastmile_delivery_slip_pdf(PG_FUNCTION_ARGS)
{
	MemoryContext outer = CurrentMemoryContext;
	PdfRes	   *r = pdfres_create();
	Oid			types[3] = {TEXTOID, INT8OID, DATEOID};
	Datum		values[3];
	SlipRow    *rows = NULL;
	long		nrows;
	long		i;
	char	   *carrier;
	char	   *origin;
	char	   *date;
	char		tmp[512];
	double		weight = 0;
	double		volume = 0;
	int			pages;
	int			page;
	long		next = 0;
	cairo_t    *cr;
	bytea	   *result;

	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);

	spi_check(SPI_connect(), SPI_OK_CONNECT, "connect");
	prepare_once(&slip_plan, slip_sql, 3, types);
	prepare_once(&slip_head_plan, slip_head_sql, 3, types);

	/* the rows first: delivery_slip() reports an unknown carrier or origin */
	spi_check(SPI_execute_plan(slip_plan, values, NULL, true, 0), SPI_OK_SELECT,
			  "read the slip");
	nrows = (long) SPI_processed;
	if (nrows > 0)
		rows = MemoryContextAllocHuge(r->cxt, sizeof(SlipRow) * nrows);
	for (i = 0; i < nrows; i++)
	{
		SlipRow    *row = &rows[i];

		row->line = col_int8(i, 1);
		row->package_id = col_int8(i, 2);
		row->order_ref = col_text(i, 3, r->cxt);
		row->tracking = col_text(i, 4, r->cxt);
		row->weight_kg = col_float8(i, 5, NAN);
		row->dims = col_text(i, 6, r->cxt);
		row->volume_cm3 = col_float8(i, 7, NAN);
		row->recipient = col_text(i, 8, r->cxt);
		row->destination = col_text(i, 9, r->cxt);
		if (!isnan(row->weight_kg))
			weight += row->weight_kg;
		if (!isnan(row->volume_cm3))
			volume += row->volume_cm3;
	}

	spi_check(SPI_execute_plan(slip_head_plan, values, NULL, true, 1), SPI_OK_SELECT,
			  "read the carrier and origin");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("carrier \"%s\" or origin %lld does not exist",
						TextDatumGetCString(values[0]), (long long) DatumGetInt64(values[1]))));
	{
		char	   *cname = col_text(0, 1, r->cxt);
		char	   *oname = col_text(0, 2, r->cxt);
		char	   *cid = pg_server_to_any(TextDatumGetCString(values[0]),
										   (int) strlen(TextDatumGetCString(values[0])),
										   PG_UTF8);

		snprintf(tmp, sizeof(tmp), "%s (%s)", cname ? cname : "", cid);
		carrier = MemoryContextStrdup(r->cxt, tmp);
		zpl_sanitize(carrier);
		snprintf(tmp, sizeof(tmp), "%s (#%lld)", oname ? oname : "",
				 (long long) DatumGetInt64(values[1]));
		origin = MemoryContextStrdup(r->cxt, tmp);
		zpl_sanitize(origin);
		date = col_text(0, 3, r->cxt);
	}
	spi_check(SPI_finish(), SPI_OK_FINISH, "finish");

	/* pages: full pages of rows, the last one also holds the footer */
	pages = nrows == 0 ? 1 : (int) ((nrows + SLIP_ROWS - 1) / SLIP_ROWS);
	if (nrows - (long) (pages - 1) * SLIP_ROWS > SLIP_ROWS_LAST)
		pages++;

	snprintf(tmp, sizeof(tmp), "Delivery slip %s %s", carrier, date);
	pdf_begin(r, A4_W, A4_H, tmp);
	cr = r->cr;
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (page = 1; page <= pages; page++)
	{
		long		on_page = page < pages ? SLIP_ROWS : SLIP_ROWS_LAST;
		double		y = SLIP_TOP;

		CHECK_FOR_INTERRUPTS();
		slip_header(cr, carrier, origin, date, page, pages);
		for (i = 0; i < on_page && next < nrows; i++, next++)
		{
			y += SLIP_ROW;
			slip_row(cr, &rows[next], y);
		}
		if (nrows == 0 && page == pages)
		{
			set_font(cr, 9, false);
			show(cr, SLIP_M, y + SLIP_ROW, "No package.", 11, false);
			y += SLIP_ROW;
		}
		if (page == pages)
			slip_footer(cr, nrows, weight, volume / 1e6, y + 20);
		cairo_show_page(cr);
		lm_cairo_check(cairo_status(cr), "draw a page");
	}

	result = pdf_end(r, outer);
	MemoryContextDelete(r->cxt);
	PG_RETURN_BYTEA_P(result);
}
