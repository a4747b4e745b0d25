/* out.c - see out.h. */
#include "out.h"
#include "quantity.h"
#include "xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void out_addf(struct strbuf *sb, const char *fmt, ...)
{
	char small[256], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		strbuf_add(sb, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	big = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_add(sb, big, (size_t)n);
	free(big);
}

void out_str(struct strbuf *sb, const char *s)
{
	if (s)
		strbuf_addstr(sb, s);
}

/*
 * The length of the valid UTF-8 sequence starting at the byte >= 0x80 at p,
 * or 0 when it is invalid (overlong, surrogate, beyond U+10FFFF, truncated).
 */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];

	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Copy s into sb, replacing each ASCII byte b for which rep[b] is set by
 * rep[b], and invalid UTF-8 by U+FFFD. Runs of unchanged bytes are added
 * with one call, so clean text (the common case) costs one scan and a copy.
 */
static void escape(struct strbuf *sb, const char *s, const char *const rep[128])
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n;

	if (!s)
		return;
	for (;;) {
		while (*p && *p < 0x80 && !rep[*p])
			p++;
		if (*p >= 0x80 && (n = utf8_len(p))) {
			p += n;
			continue;
		}
		strbuf_add(sb, (const char *)run, (size_t)(p - run));
		if (!*p)
			return;
		strbuf_addstr(sb, *p < 0x80 ? rep[*p] : REPLACEMENT);
		run = ++p;
	}
}

/* Control characters no output language here carries as such. */
#define CONTROLS                                                                                                       \
	[1] = REPLACEMENT, [2] = REPLACEMENT, [3] = REPLACEMENT, [4] = REPLACEMENT, [5] = REPLACEMENT,                 \
	[6] = REPLACEMENT, [7] = REPLACEMENT, [8] = REPLACEMENT, [11] = REPLACEMENT, [12] = REPLACEMENT,               \
	[14] = REPLACEMENT, [15] = REPLACEMENT, [16] = REPLACEMENT, [17] = REPLACEMENT, [18] = REPLACEMENT,            \
	[19] = REPLACEMENT, [20] = REPLACEMENT, [21] = REPLACEMENT, [22] = REPLACEMENT, [23] = REPLACEMENT,            \
	[24] = REPLACEMENT, [25] = REPLACEMENT, [26] = REPLACEMENT, [27] = REPLACEMENT, [28] = REPLACEMENT,            \
	[29] = REPLACEMENT, [30] = REPLACEMENT, [31] = REPLACEMENT, [127] = REPLACEMENT

/*
 * HTML also gets ':', '(' and '@' as references: a string from a probe can
 * then never put "https://", "url(" or "@import" into the page, even as
 * text, so "report.html names no URL" holds for any input.
 */
static const char *const html_rep[128] = {
	CONTROLS,	  ['&'] = "&amp;", ['<'] = "&lt;",  ['>'] = "&gt;",  ['"'] = "&quot;",
	['\''] = "&#39;", [':'] = "&#58;", ['('] = "&#40;", ['@'] = "&#64;", ['\r'] = " ",
};

static const char *const xml_rep[128] = {
	CONTROLS, ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&apos;", ['\r'] = " ",
};

static const char *const md_rep[128] = {
	CONTROLS,      ['&'] = "&amp;", ['<'] = "&lt;", ['\\'] = "\\\\", ['`'] = "\\`", ['*'] = "\\*",
	['_'] = "\\_", ['['] = "\\[",	[']'] = "\\]",	['|'] = "\\|",	 ['#'] = "\\#", ['~'] = "\\~",
	['\n'] = " ",  ['\r'] = " ",	['\t'] = " ",	['!'] = "\\!",
};

static const char *const md_code_rep[128] = {
	CONTROLS, ['`'] = "'", ['|'] = "\\|", ['\n'] = " ", ['\r'] = " ", ['\t'] = " ",
};

static const char *const prom_label_rep[128] = {
	CONTROLS, ['\\'] = "\\\\", ['"'] = "\\\"", ['\n'] = "\\n", ['\r'] = " ", ['\t'] = " ",
};

static const char *const prom_help_rep[128] = {
	CONTROLS, ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = " ", ['\t'] = " ",
};

void out_esc_html(struct strbuf *sb, const char *s)
{
	escape(sb, s, html_rep);
}

void out_esc_xml(struct strbuf *sb, const char *s)
{
	escape(sb, s, xml_rep);
}

void out_esc_md(struct strbuf *sb, const char *s)
{
	escape(sb, s, md_rep);
}

void out_md_code(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, "`", 1);
	escape(sb, s, md_code_rep);
	strbuf_add(sb, "`", 1);
}

void out_esc_prom_label(struct strbuf *sb, const char *s)
{
	escape(sb, s, prom_label_rep);
}

void out_esc_prom_help(struct strbuf *sb, const char *s)
{
	escape(sb, s, prom_help_rep);
}

void out_prom_name(struct strbuf *sb, const char *s, int label)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char buf[128];
	size_t n = 0;

	if (*p >= '0' && *p <= '9')
		buf[n++] = '_';
	if (!*p)
		buf[n++] = '_';
	for (; *p; p++) {
		char c = (char)*p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      (c == ':' && !label)))
			c = '_';
		buf[n++] = c;
		if (n == sizeof(buf)) {
			strbuf_add(sb, buf, n);
			n = 0;
		}
	}
	strbuf_add(sb, buf, n);
}

void out_uint(struct strbuf *sb, unsigned long long v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

void out_fixed(struct strbuf *sb, double v, int decimals)
{
	static const double pow10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	unsigned long long scaled, ip;
	char frac[16];
	int i;

	if (decimals < 0 || decimals > 9 || !isfinite(v) || fabs(v) * pow10[decimals] >= 9e18) {
		out_addf(sb, "%.*f", decimals < 0 || decimals > 9 ? 3 : decimals, v);
		return;
	}
	if (v < 0 && llround(-v * pow10[decimals]))
		strbuf_add(sb, "-", 1);
	scaled = (unsigned long long)llround(fabs(v) * pow10[decimals]);
	ip = scaled / (unsigned long long)pow10[decimals];
	out_uint(sb, ip);
	if (!decimals)
		return;
	scaled -= ip * (unsigned long long)pow10[decimals];
	for (i = decimals - 1; i >= 0; i--, scaled /= 10)
		frac[i] = (char)('0' + scaled % 10);
	strbuf_add(sb, ".", 1);
	strbuf_add(sb, frac, (size_t)decimals);
}

void out_num(struct strbuf *sb, double v)
{
	char buf[40];
	int n;

	if (isnan(v)) {
		strbuf_add(sb, "NaN", 3);
	} else if (isinf(v)) {
		strbuf_addstr(sb, v > 0 ? "+Inf" : "-Inf");
	} else if (v == floor(v) && fabs(v) < 1e15) {
		if (v < 0)
			strbuf_add(sb, "-", 1);
		out_uint(sb, (unsigned long long)fabs(v));
	} else {
		n = snprintf(buf, sizeof(buf), "%.15g", v);
		strbuf_add(sb, buf, (size_t)n);
	}
}

void out_count(struct strbuf *sb, unsigned long long n)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%llu", n), i;

	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			strbuf_add(sb, ",", 1);
		strbuf_add(sb, digits + i, 1);
	}
}

const char *out_fmt_margin(double m, char *buf, size_t len)
{
	/* U+2212 minus: a margin reads as a signed quantity next to "+3.8 %" */
	if (m < 0)
		snprintf(buf, len, "\xe2\x88\x92%.1f %%", -m * 100);
	else
		snprintf(buf, len, "+%.1f %%", m * 100);
	return buf;
}

const char *out_fmt_duration(double s, char *buf, size_t len)
{
	long t;

	if (!isfinite(s) || s < 0)
		snprintf(buf, len, "unknown");
	else if (s < 60)
		quantity_format(s, "s", buf, len);
	else if (s < 3600)
		t = lround(s), snprintf(buf, len, "%ld min %02ld s", t / 60, t % 60);
	else
		t = lround(s / 60), snprintf(buf, len, "%ld h %02ld min", t / 60, t % 60);
	return buf;
}

const char *out_fmt_grouped(double v, int decimals, char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	char frac[32] = "";
	double ip;
	double f = modf(fabs(v), &ip);

	if (decimals > 0) {
		snprintf(frac, sizeof(frac), "%.*f", decimals, f);
		if (frac[0] == '1') /* rounding carried into the integer part */
			ip += 1, snprintf(frac, sizeof(frac), "%.*f", decimals, 0.0);
	} else {
		ip = round(fabs(v));
	}
	if (v < 0)
		strbuf_add(&sb, "-", 1);
	out_count(&sb, (unsigned long long)ip);
	if (decimals > 0)
		strbuf_addstr(&sb, frac + 1);
	snprintf(buf, len, "%s", sb.buf);
	strbuf_release(&sb);
	return buf;
}
