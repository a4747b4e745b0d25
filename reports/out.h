/*
 * out.h - what every report writer needs to put text into a strbuf: one
 * escaping function per output language, numbers, counts, margins and
 * durations. Writers never add a string from the results document without
 * one of the out_esc_* functions: hostnames, plan names, reasons and probe
 * labels are untrusted text.
 *
 * Every escaper also makes the text valid UTF-8 (an invalid byte becomes
 * U+FFFD) and replaces control characters the target language cannot carry.
 * A NULL string adds nothing.
 */
#ifndef SD_OUT_H
#define SD_OUT_H

#include <stddef.h>

#include "strbuf.h"

/* printf into sb (banned.h bans sprintf; this is the one formatted append). */
__attribute__((format(printf, 2, 3))) void out_addf(struct strbuf *sb, const char *fmt, ...);

/* s unchanged (NULL adds nothing). For our own literals and already-safe text only. */
void out_str(struct strbuf *sb, const char *s);

/*
 * HTML element text and attribute values alike: & < > " ' as entities, and
 * : ( @ as character references so that no input can spell a URL, url( or
 * @import in the page (it reads the same in a browser).
 */
void out_esc_html(struct strbuf *sb, const char *s);

/* XML element text and attribute values: & < > " ' as entities. */
void out_esc_xml(struct strbuf *sb, const char *s);

/* Markdown inline text: Markdown punctuation backslash-escaped, & and < as entities, newlines as spaces. */
void out_esc_md(struct strbuf *sb, const char *s);

/* A Markdown code span (`s`) that is safe in a table cell: backticks become ', | is \|, newlines spaces. */
void out_md_code(struct strbuf *sb, const char *s);

/* Prometheus label value: backslash, double quote and newline escaped (\\ \" \n). */
void out_esc_prom_label(struct strbuf *sb, const char *s);

/* Prometheus HELP text: backslash and newline escaped. */
void out_esc_prom_help(struct strbuf *sb, const char *s);

/*
 * A Prometheus metric or label name made of s: every byte outside
 * [a-zA-Z0-9_:] (label names: [a-zA-Z0-9_]) becomes '_', and a leading digit
 * gets a '_' before it. Adds "_" for an empty or NULL s.
 */
void out_prom_name(struct strbuf *sb, const char *s, int label);

/* A number: integers exactly, others with 15 significant digits; NaN, +Inf, -Inf as Prometheus spells them. */
void out_num(struct strbuf *sb, double v);
void out_uint(struct strbuf *sb, unsigned long long v);
/* A number with a fixed number of decimals (0..9), without printf: "1.234". */
void out_fixed(struct strbuf *sb, double v, int decimals);

/* A count with thousands separators: 1,310,720. */
void out_count(struct strbuf *sb, unsigned long long n);

/* "+3.8 %", "-12.0 %" (a margin as a fraction of its threshold). Returns buf. */
const char *out_fmt_margin(double margin, char *buf, size_t len);

/* A duration for people: "41.2 ms", "12.3 s", "4 min 05 s", "2 h 03 min". Returns buf. */
const char *out_fmt_duration(double seconds, char *buf, size_t len);

/* A number with thousands separators and `decimals` decimals: "735,840.00". Returns buf. */
const char *out_fmt_grouped(double v, int decimals, char *buf, size_t len);

#endif
