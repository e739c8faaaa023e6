/*
 * fuzz-finding.c: the finding extractor (lib/finding), which walks the text
 * of a record without decoding it.
 *
 * For any input: finding_each stays within the bytes it is given (ASan
 * sees a read past them). For input that is valid JSON (the contract):
 * every address it hands back is canonical and parses back, once per
 * finding; every text field is empty or a JSON string token inside the
 * input; the directions are the three documented ones; finding_member and
 * finding_text_cstr work on whatever came out, with buffers of any size.
 */
#include "config.h"

#include <string.h>

#include "finding.h"
#include "fuzz.h"
#include "ip.h"
#include "jl.h"

struct walk {
	const char	*text;
	size_t		 len;
	int		 valid;
	size_t		 seen;
};

static void
check_text(const struct walk *w, const struct finding_text *t,
    const char *what)
{
	char	 small[4], big[512];

	if (t->len == 0)
		return;
	if (w->valid) {
		CHECK(t->len >= 2 && t->json[0] == '"' &&
		    t->json[t->len - 1] == '"', "%s not a string token: %.*s",
		    what, (int)t->len, t->json);
	}
	finding_text_cstr(t, small, sizeof small);
	CHECK(strlen(small) < sizeof small, "%s overflows 4 bytes", what);
	finding_text_cstr(t, big, sizeof big);
	CHECK(strlen(big) < sizeof big, "%s overflows", what);
	(void)finding_text_cstr(t, big, 0);
}

static int
visit(const struct finding *f, void *arg)
{
	struct walk	*w = arg;
	static const char *const keys[] = { "Id", "Resources", "detail",
	    "Severity", "service", "", "finding_info" };
	size_t		 n;

	w->seen++;
	CHECK(finding_shape_name(f->shape) != NULL, "shape %d", f->shape);
	check_text(w, &f->id, "id");
	check_text(w, &f->type, "type");
	check_text(w, &f->severity, "severity");
	check_text(w, &f->account, "account");
	check_text(w, &f->region, "region");
	check_text(w, &f->observed_at, "observed_at");
	check_text(w, &f->product, "product");
	for (size_t k = 0; k < f->nips; k++) {
		const struct finding_ip	*ip = &f->ips[k];
		char			 a[IP_STRLEN];
		struct ip_addr		 back;

		ip_format(&ip->addr, a);
		CHECK(ip_parse(a, strlen(a), &back) == 0 &&
		    ip_cmp(&back, &ip->addr) == 0, "address %s", a);
		CHECK(strcmp(ip->direction, "INBOUND") == 0 ||
		    strcmp(ip->direction, "OUTBOUND") == 0 ||
		    strcmp(ip->direction, "UNKNOWN") == 0, "direction %s",
		    ip->direction);
		CHECK(memchr(ip->action_type, '\0', FINDING_ACTION_MAX) != NULL,
		    "action type not terminated");
		for (size_t j = 0; j < k; j++)
			CHECK(ip_cmp(&f->ips[j].addr, &ip->addr) != 0,
			    "%s twice in one finding", a);
	}
	for (size_t k = 0; k < f->nbad; k++)
		check_text(w, &f->bad[k], "bad address");
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		const char	*m = finding_member(f, keys[k], &n);

		if (m != NULL && w->valid)
			CHECK(m >= w->text && m + n <= w->text + w->len,
			    "member %s outside the input", keys[k]);
	}
	/* stop the walk now and then */
	return w->seen == 7 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct walk	 w;
	size_t		 unknown = 0, n;
	int		 r;

	memset(&w, 0, sizeof w);
	w.text = (const char *)data;
	w.len = len;
	n = jl_validate(w.text, len, NULL, 0, NULL);
	/* one value with nothing after it: what the reader hands out */
	w.valid = n > 0 && n == len;
	r = finding_each(w.text, w.len, visit, &w, &unknown);
	if (w.valid)
		CHECK(r == -1 ? w.seen == 7 : (size_t)r == w.seen,
		    "returned %d, visited %zu", r, w.seen);
	(void)finding_gd_label((double)len / 10.0 - 1.0);
	(void)finding_normalized_label((double)len - 5.0);
	(void)finding_ocsf_label((long)len - 3);
	return 0;
}
