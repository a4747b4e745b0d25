/* yamltree.c - YAML text to a tree of marked nodes; the contract is in yamltree.h. */
#include "yamltree.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

struct anchor {
	char *name;
	struct ynode *node;
};

struct builder {
	struct ytree *t;
	struct diags *d;
	const struct subst_env *env;
	const char *buf;
	size_t len;
	struct ynode *stack[YTREE_MAX_DEPTH];
	struct ynode *key[YTREE_MAX_DEPTH]; /* a mapping's key waiting for its value */
	int depth;
	struct anchor *anchors;
	size_t nanchors;
	size_t expanded; /* nodes so far, every alias counted as the nodes it stands for */
	int ndocs;
	int errors;
	int stop;
};

#define TAG_PREFIX "tag:yaml.org,2002:"

/* ---- marks and the text checks done before libyaml sees the bytes ---- */

static void error_at(struct builder *b, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void error_at(struct builder *b, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diags_add(b->d, b->t->file, line, col, "%s", msg);
	free(msg);
	b->errors++;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/*
 * Line and column (1-based, in characters, as libyaml counts them) of byte
 * offset off in buf, which is valid UTF-8 up to off. libyaml does not count
 * a byte order mark, and takes "\r\n" and a lone "\r" as one line break each.
 */
static void locate(const char *buf, size_t off, int *line, int *col)
{
	size_t i = 0, n;

	*line = 1;
	*col = 1;
	if (off >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < off) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			if (buf[i] == '\r' && i + 1 < off && buf[i + 1] == '\n')
				i++;
			(*line)++;
			*col = 1;
			i++;
			continue;
		}
		n = utf8_len((const unsigned char *)buf + i, off - i);
		i += n ? n : 1;
		(*col)++;
	}
}

static int check_text(struct builder *b)
{
	const unsigned char *s = (const unsigned char *)b->buf;
	size_t i, n;
	int line, col;

	if (b->len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) {
		error_at(b, 1, 1, "not UTF-8 text (this file is UTF-16; save it as UTF-8)");
		return -1;
	}
	for (i = 0; i < b->len; i += n) {
		n = s[i] ? utf8_len(s + i, b->len - i) : 0;
		if (n)
			continue;
		locate(b->buf, i, &line, &col);
		if (s[i])
			error_at(b, line, col, "not UTF-8 text");
		else
			error_at(b, line, col, "NUL byte: this is a binary file, not YAML text");
		return -1;
	}
	return 0;
}

/* Byte offset where 1-based line starts, or len when there is no such line. */
static size_t line_start(const char *buf, size_t len, int line)
{
	size_t i = 0;
	int l = 1;

	while (l < line && i < len) {
		if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 == len || buf[i + 1] != '\n')))
			l++;
		i++;
	}
	return i;
}

/* Column (1-based) of the first tab in the indentation of line, or 0. */
static int indent_tab(const char *buf, size_t len, int line)
{
	size_t i = line_start(buf, len, line), start = i;

	for (; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++)
		if (buf[i] == '\t')
			return (int)(i - start) + 1;
	return 0;
}

/* ---- libyaml's errors ---- */

static void parser_error(struct builder *b, const yaml_parser_t *ps)
{
	int line, col, tab;

	if (ps->error == YAML_READER_ERROR) {
		locate(b->buf, ps->problem_offset < b->len ? ps->problem_offset : b->len, &line, &col);
		error_at(b, line, col, "%s", ps->problem ? ps->problem : "cannot read the text");
		return;
	}
	line = (int)ps->problem_mark.line + 1;
	col = (int)ps->problem_mark.column + 1;
	tab = indent_tab(b->buf, b->len, line);
	if (tab) {
		error_at(b, line, tab, "tab character in indentation; YAML allows only spaces");
		return;
	}
	if (ps->error == YAML_MEMORY_ERROR)
		error_at(b, line, col, "out of memory parsing YAML");
	else if (ps->context && ps->context_mark.index == ps->problem_mark.index)
		error_at(b, line, col, "%s (%s)", ps->problem ? ps->problem : "syntax error", ps->context);
	else if (ps->context)
		error_at(b, line, col, "%s (%s at %d:%d)", ps->problem ? ps->problem : "syntax error", ps->context,
			 (int)ps->context_mark.line + 1, (int)ps->context_mark.column + 1);
	else
		error_at(b, line, col, "%s", ps->problem ? ps->problem : "syntax error");
}

/* ---- nodes ---- */

static struct ynode *new_node(struct builder *b, enum ynode_kind kind, yaml_mark_t mark)
{
	struct ytree *t = b->t;
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	n->weight = 1;
	if (t->nall == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 64;
		t->all = xrealloc(t->all, t->alloc * sizeof(*t->all));
	}
	t->all[t->nall++] = n;
	return n;
}

static struct ynode *bad_scalar(struct builder *b, yaml_mark_t mark)
{
	struct ynode *n = new_node(b, YNODE_SCALAR, mark);

	n->text = xstrdup("");
	n->null = 1;
	n->bad = 1;
	return n;
}

static int count_nodes(struct builder *b, size_t n, yaml_mark_t mark)
{
	if (n > YTREE_MAX_NODES - b->expanded) {
		error_at(b, (int)mark.line + 1, (int)mark.column + 1,
			 "the document expands to more than %d nodes (check its aliases)", YTREE_MAX_NODES);
		b->stop = 1;
		return -1;
	}
	b->expanded += n;
	return 0;
}

static int is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* Checks a node's tag; returns 1 for !!str, 0 for no or another core tag, -1 (reported) otherwise. */
static int check_tag(struct builder *b, const yaml_char_t *tag, yaml_mark_t mark)
{
	static const char *const core[] = { "str", "int", "float", "bool", "null", "map", "seq", NULL };
	const char *s = (const char *)tag;
	int i;

	if (!s)
		return 0;
	for (i = 0; core[i]; i++)
		if (!strncmp(s, TAG_PREFIX, strlen(TAG_PREFIX)) && !strcmp(s + strlen(TAG_PREFIX), core[i]))
			return i == 0;
	error_at(b, (int)mark.line + 1, (int)mark.column + 1, "unsupported tag '%s'", s);
	return -1;
}

static void add_anchor(struct builder *b, const yaml_char_t *name, struct ynode *n)
{
	if (!name)
		return;
	b->anchors = xrealloc(b->anchors, (b->nanchors + 1) * sizeof(*b->anchors));
	b->anchors[b->nanchors].name = xstrdup((const char *)name);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
}

static int expecting_key(const struct builder *b)
{
	return b->depth > 0 && b->stack[b->depth - 1]->kind == YNODE_MAP && !b->key[b->depth - 1];
}

/* ---- putting a finished node into its parent ---- */

static void seq_append(struct ynode *seq, struct ynode *n)
{
	if (seq->n == seq->alloc) {
		seq->alloc = seq->alloc ? 2 * seq->alloc : 8;
		seq->items = xrealloc(seq->items, seq->alloc * sizeof(*seq->items));
	}
	seq->items[seq->n++] = n;
}

static void map_append(struct ynode *map, struct ynode *key, struct ynode *value)
{
	if (map->n == map->alloc) {
		map->alloc = map->alloc ? 2 * map->alloc : 8;
		map->pairs = xrealloc(map->pairs, map->alloc * sizeof(*map->pairs));
	}
	map->pairs[map->n].key = key;
	map->pairs[map->n].value = value;
	map->n++;
}

static const struct ypair *find_key(const struct ynode *map, const char *key, size_t upto)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (!map->pairs[i].key->bad && !strcmp(map->pairs[i].key->text, key))
			return &map->pairs[i];
	return NULL;
}

static void map_add_pair(struct builder *b, struct ynode *map, struct ynode *key, struct ynode *value)
{
	const struct ypair *first = key->bad ? NULL : find_key(map, key->text, map->n);

	if (first) {
		error_at(b, key->line, key->col, "duplicate key '%s' (first at line %d)", key->text, first->key->line);
		return;
	}
	if (map->n >= YTREE_MAX_KEYS) {
		error_at(b, key->line, key->col, "more than %d keys in one mapping", YTREE_MAX_KEYS);
		b->stop = 1;
		return;
	}
	map_append(map, key, value);
}

static void add_to_parent(struct builder *b, struct ynode *n)
{
	struct ynode *parent;
	int top = b->depth - 1;

	if (b->depth == 0) {
		b->t->root = n;
		return;
	}
	parent = b->stack[top];
	parent->weight += n->weight;
	if (parent->kind == YNODE_SEQ) {
		seq_append(parent, n);
	} else if (!b->key[top]) {
		if (n->kind != YNODE_SCALAR) {
			error_at(b, n->line, n->col, "a mapping key must be text, not %s",
				 n->kind == YNODE_MAP ? "a mapping" : "a list");
			n = bad_scalar(b, (yaml_mark_t){ 0, (size_t)n->line - 1, (size_t)n->col - 1 });
		}
		b->key[top] = n;
	} else {
		map_add_pair(b, parent, b->key[top], n);
		b->key[top] = NULL;
	}
}

/* ---- merge keys ("<<: *defaults") ---- */

static int is_merge_key(const struct ynode *key)
{
	return !key->bad && !key->quoted && !strcmp(key->text, "<<");
}

static int has_explicit(const struct ynode *map, const char *key)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (!is_merge_key(map->pairs[i].key) && !map->pairs[i].key->bad &&
		    !strcmp(map->pairs[i].key->text, key))
			return 1;
	return 0;
}

static void merge_from(struct ynode *map, struct ypair **out, size_t *nout, const struct ynode *src)
{
	size_t i, j;
	int seen;

	for (i = 0; i < src->n; i++) {
		const struct ypair *p = &src->pairs[i];

		if (p->key->bad || has_explicit(map, p->key->text))
			continue;
		for (j = 0, seen = 0; j < *nout && !seen; j++)
			seen = !(*out)[j].key->bad && !strcmp((*out)[j].key->text, p->key->text);
		if (seen)
			continue;
		*out = xrealloc(*out, (*nout + 1) * sizeof(**out));
		(*out)[(*nout)++] = *p;
	}
}

static int merge_sources_ok(struct builder *b, const struct ynode *v)
{
	size_t i;

	if (v->kind == YNODE_MAP)
		return 1;
	if (v->kind == YNODE_SEQ) {
		for (i = 0; i < v->n && v->items[i]->kind == YNODE_MAP; i++)
			;
		if (i == v->n)
			return 1;
	}
	error_at(b, v->line, v->col, "'<<' (merge) needs a mapping or a list of mappings");
	return 0;
}

static void apply_merges(struct builder *b, struct ynode *map)
{
	struct ypair *out = NULL;
	size_t nout = 0, i, j;
	const struct ynode *v;

	for (i = 0; i < map->n && !is_merge_key(map->pairs[i].key); i++)
		;
	if (i == map->n)
		return;
	for (i = 0; i < map->n; i++) {
		v = map->pairs[i].value;
		if (!is_merge_key(map->pairs[i].key)) {
			out = xrealloc(out, (nout + 1) * sizeof(*out));
			out[nout++] = map->pairs[i];
		} else if (v->bad || !merge_sources_ok(b, v)) {
			continue;
		} else if (v->kind == YNODE_MAP) {
			merge_from(map, &out, &nout, v);
		} else {
			for (j = 0; j < v->n; j++)
				merge_from(map, &out, &nout, v->items[j]);
		}
	}
	free(map->pairs);
	map->pairs = out;
	map->n = map->alloc = nout;
}

/* ---- events ---- */

static void on_scalar(struct builder *b, const yaml_event_t *e)
{
	const char *value = (const char *)e->data.scalar.value;
	size_t len = e->data.scalar.length;
	int key = expecting_key(b), tag;
	struct ynode *n;
	char *expanded;

	if (count_nodes(b, 1, e->start_mark))
		return;
	n = new_node(b, YNODE_SCALAR, e->start_mark);
	n->quoted = e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	n->text = xstrndup(value, len);
	n->null = !n->quoted && is_null_text(n->text);
	tag = check_tag(b, e->data.scalar.tag, e->start_mark);
	if (tag < 0)
		n->bad = 1;
	else if (tag == 1)
		n->quoted = 1, n->null = 0;
	if (memchr(value, '\0', len)) {
		error_at(b, n->line, n->col, "NUL character in a string");
		n->bad = 1;
	}
	if (!key && !n->bad && subst_has_vars(n->text)) {
		if (subst_expand(n->text, b->env, &expanded, b->d, b->t->file, n->line, n->col)) {
			b->errors++;
			n->bad = 1;
		} else {
			free(n->text);
			n->text = expanded;
		}
	}
	add_anchor(b, e->data.scalar.anchor, n);
	add_to_parent(b, n);
}

static void on_start(struct builder *b, const yaml_event_t *e, enum ynode_kind kind)
{
	const yaml_char_t *anchor, *tag;
	struct ynode *n;

	anchor = kind == YNODE_MAP ? e->data.mapping_start.anchor : e->data.sequence_start.anchor;
	tag = kind == YNODE_MAP ? e->data.mapping_start.tag : e->data.sequence_start.tag;
	if (b->depth == YTREE_MAX_DEPTH) {
		error_at(b, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1, "nesting deeper than %d levels",
			 YTREE_MAX_DEPTH);
		b->stop = 1;
		return;
	}
	if (count_nodes(b, 1, e->start_mark))
		return;
	n = new_node(b, kind, e->start_mark);
	n->open = 1;
	if (check_tag(b, tag, e->start_mark) < 0)
		n->bad = 1;
	add_anchor(b, anchor, n);
	b->key[b->depth] = NULL;
	b->stack[b->depth++] = n;
}

static void on_end(struct builder *b)
{
	struct ynode *n = b->stack[--b->depth];

	if (n->kind == YNODE_MAP)
		apply_merges(b, n);
	n->open = 0;
	add_to_parent(b, n);
}

static void on_alias(struct builder *b, const yaml_event_t *e)
{
	const char *name = (const char *)e->data.alias.anchor;
	struct ynode *target = NULL, *n;
	size_t i;

	for (i = b->nanchors; i > 0 && !target; i--)
		if (!strcmp(b->anchors[i - 1].name, name))
			target = b->anchors[i - 1].node;
	if (!target || target->open) {
		error_at(b, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1,
			 target ? "alias '*%s' refers to a node that contains it" : "unknown alias '*%s'", name);
		add_to_parent(b, bad_scalar(b, e->start_mark));
		return;
	}
	if (count_nodes(b, target->weight, e->start_mark))
		return;
	n = new_node(b, target->kind, e->start_mark);
	n->alias_of = target;
	n->quoted = target->quoted;
	n->null = target->null;
	n->bad = target->bad;
	n->text = target->text;
	n->n = target->n;
	n->items = target->items;
	n->pairs = target->pairs;
	n->weight = target->weight;
	add_to_parent(b, n);
}

static void on_event(struct builder *b, const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->ndocs > 1) {
			error_at(b, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1,
				 "more than one YAML document in the file");
			b->stop = 1;
		}
		break;
	case YAML_SCALAR_EVENT:
		on_scalar(b, e);
		break;
	case YAML_SEQUENCE_START_EVENT:
		on_start(b, e, YNODE_SEQ);
		break;
	case YAML_MAPPING_START_EVENT:
		on_start(b, e, YNODE_MAP);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		on_end(b);
		break;
	case YAML_ALIAS_EVENT:
		on_alias(b, e);
		break;
	default:
		break;
	}
}

static int run_parser(struct builder *b)
{
	yaml_parser_t ps;
	yaml_event_t e;
	int done = 0, rc = 0;

	if (!yaml_parser_initialize(&ps)) {
		error_at(b, 0, 0, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)b->buf, b->len);
	while (!done && !b->stop) {
		if (!yaml_parser_parse(&ps, &e)) {
			parser_error(b, &ps);
			rc = -1;
			break;
		}
		on_event(b, &e);
		done = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&ps);
	return rc || b->stop ? -1 : 0;
}

int ytree_parse(struct ytree *t, const char *file, const char *buf, size_t len, const struct subst_env *env,
		struct diags *d)
{
	struct builder b;
	size_t i;

	memset(&b, 0, sizeof(b));
	memset(t, 0, sizeof(*t));
	t->file = xstrdup(file);
	b.t = t;
	b.d = d;
	b.env = env;
	b.buf = buf;
	b.len = len;
	if (check_text(&b) || run_parser(&b))
		t->root = NULL;
	for (i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	return b.errors ? -1 : 0;
}

void ytree_release(struct ytree *t)
{
	struct ynode *n;
	size_t i;

	for (i = 0; i < t->nall; i++) {
		n = t->all[i];
		if (!n->alias_of) {
			free(n->text);
			free(n->items);
			free(n->pairs);
		}
		free(n);
	}
	free(t->all);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

const struct ypair *ynode_pair(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	return find_key(map, key, map->n);
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ynode_pair(map, key);

	return p ? p->value : NULL;
}

const char *ynode_describe(const struct ynode *n, char *buf, size_t len)
{
	if (n->kind == YNODE_MAP)
		snprintf(buf, len, "a mapping");
	else if (n->kind == YNODE_SEQ)
		snprintf(buf, len, "a list");
	else if (n->null)
		snprintf(buf, len, "nothing");
	else
		snprintf(buf, len, "'%.60s'", n->text);
	return buf;
}
