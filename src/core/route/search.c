/*
 * search.c — the search of the bundling solver: slack induction by string
 * removals (SISR, Christiaens & Vanden Berghe, Transportation Science 2020):
 * each iteration removes a few strings of consecutive stops from routes near
 * a random stop, reinserts the removed stops one by one at their cheapest
 * feasible place (with "blinks": each place is skipped with a small
 * probability), and accepts the result by simulated annealing; the best
 * solution met is kept.  Routes are doubly linked lists of locations with,
 * per location, the earliest service start (forward) and the latest service
 * start that keeps the rest of the route on time (backward), so that an
 * insertion is checked in O(1).
 */
#include <limits.h>
#include <math.h>
#include <string.h>
#ifdef ROUTE_DEBUG
#include <stdio.h>
#endif
#ifdef ROUTE_CHECK
#include <stdlib.h>
#endif

#include "route_int.h"

#define EPS			1e-7

/* search parameters (SISR's published values, temperatures relative to the
 * mean edge of the first solution) */
#ifndef SISR_CBAR
#define SISR_CBAR	10.0		/* mean number of stops removed */
#endif
#ifndef SISR_LMAX
#define SISR_LMAX	10.0		/* longest string removed */
#endif
#ifndef SISR_SPLIT_BETA
#define SISR_SPLIT_BETA 0.01	/* split-string: stop growing the kept part */
#endif
#ifndef SISR_BLINK
#define SISR_BLINK	0.01		/* probability of skipping an insertion place */
#endif
#ifndef SISR_T0
#define SISR_T0		0.3			/* start temperature / mean edge */
#endif
#ifndef SISR_TF
#define SISR_TF		0.01		/* final temperature / mean edge */
#endif
#ifndef ALL_ROUTES
#define ALL_ROUTES	8			/* scan every route up to this many */
#endif
#define CAND_NB		24			/* else the routes of this many neighbours */

typedef struct Sol
{
	int			maxr;			/* route slots */
	int			nn;				/* nodes: locations 0..n, then 2 per slot */
	size_t		bytes;
	void	   *block;			/* everything below lives in one block */
	double	   *est,
			   *lst;			/* [nn] */
	double	   *rw,
			   *rv,
			   *rd;				/* [maxr] weight, volume, distance */
	int		   *next,
			   *prev,
			   *rid;			/* [nn]; rid -1 = not routed */
	int		   *rc,
			   *act,
			   *apos,
			   *freel;			/* [maxr] */
	int			nact,
				nfree;
	double		cost;
} Sol;

#define SNODE(I, r)	((I)->n1 + 2 * (r))
#define ENODE(I, r)	((I)->n1 + 2 * (r) + 1)
#define LOC(I, x)	((x) < (I)->n1 ? (x) : 0)

static Sol *
sol_new(RouteInst *I)
{
	const RouteProblem *p = I->p;
	Sol		   *S = p->alloc(p->ctx, sizeof(Sol));
	char	   *c;
	int			maxr = I->ns + 1;
	int			nn = I->n1 + 2 * maxr;

	if (S == NULL)
		return NULL;
	memset(S, 0, sizeof(*S));
	S->maxr = maxr;
	S->nn = nn;
	S->bytes = sizeof(double) * (2 * (size_t) nn + 3 * (size_t) maxr) +
		sizeof(int) * (3 * (size_t) nn + 4 * (size_t) maxr);
	S->block = p->alloc(p->ctx, S->bytes);
	if (S->block == NULL)
	{
		p->dealloc(p->ctx, S);
		return NULL;
	}
	c = S->block;
	S->est = (double *) c;
	c += sizeof(double) * nn;
	S->lst = (double *) c;
	c += sizeof(double) * nn;
	S->rw = (double *) c;
	c += sizeof(double) * maxr;
	S->rv = (double *) c;
	c += sizeof(double) * maxr;
	S->rd = (double *) c;
	c += sizeof(double) * maxr;
	S->next = (int *) c;
	c += sizeof(int) * nn;
	S->prev = (int *) c;
	c += sizeof(int) * nn;
	S->rid = (int *) c;
	c += sizeof(int) * nn;
	S->rc = (int *) c;
	c += sizeof(int) * maxr;
	S->act = (int *) c;
	c += sizeof(int) * maxr;
	S->apos = (int *) c;
	c += sizeof(int) * maxr;
	S->freel = (int *) c;
	return S;
}

static void
sol_free(RouteInst *I, Sol *S)
{
	if (S == NULL)
		return;
	I->p->dealloc(I->p->ctx, S->block);
	I->p->dealloc(I->p->ctx, S);
}

/* Empty solution: every slot free, nothing routed. */
static void
sol_clear(RouteInst *I, Sol *S)
{
	int			r,
				x;

	memset(S->block, 0, S->bytes);
	for (x = 0; x < S->nn; x++)
	{
		S->rid[x] = -1;
		S->next[x] = S->prev[x] = -1;
	}
	for (r = 0; r < S->maxr; r++)
	{
		S->apos[r] = -1;
		S->freel[r] = S->maxr - 1 - r;
	}
	S->nfree = S->maxr;
	S->nact = 0;
	S->cost = 0;
}

static void
sol_copy(Sol *dst, const Sol *src)
{
	memcpy(dst->block, src->block, src->bytes);
	dst->nact = src->nact;
	dst->nfree = src->nfree;
	dst->cost = src->cost;
}

static int
route_open(RouteInst *I, Sol *S)
{
	int			r = S->freel[--S->nfree];
	int			a = SNODE(I, r),
				b = ENODE(I, r);

	S->apos[r] = S->nact;
	S->act[S->nact++] = r;
	S->next[a] = b;
	S->prev[b] = a;
	S->prev[a] = S->next[b] = -1;
	S->rid[a] = S->rid[b] = r;
	S->est[a] = 0;
	S->lst[a] = I->ret_by;
	S->est[b] = 0;
	S->lst[b] = I->ret_by;
	S->rc[r] = 0;
	S->rw[r] = S->rv[r] = S->rd[r] = 0;
	return r;
}

static void
route_close(Sol *S, int r)
{
	int			i = S->apos[r];
	int			last = S->act[--S->nact];

	S->act[i] = last;
	S->apos[last] = i;
	S->apos[r] = -1;
	S->freel[S->nfree++] = r;
}

/*
 * Recomputes a route's schedule, load and distance; returns the first
 * location served late (or the end node when the return is late), or -1
 * when the route is on time.
 */
static int
route_update(RouteInst *I, Sol *S, int r)
{
	int			s0 = SNODE(I, r),
				e0 = ENODE(I, r);
	int			x = s0,
				y,
				late = -1,
				cnt = 0;
	double		w = 0,
				v = 0,
				d = 0;

	S->est[s0] = 0;
	for (y = S->next[x];; y = S->next[y])
	{
		int			lx = LOC(I, x),
					ly = LOC(I, y);
		double		arr = S->est[x] + I->s[lx] + ri_time(I, lx, ly);

		S->est[y] = arr > I->e[ly] ? arr : I->e[ly];
		d += ri_dist(I, lx, ly);
		if (y == e0)
		{
			if (late < 0 && S->est[y] > I->ret_by + EPS)
				late = y;
			break;
		}
		if (late < 0 && S->est[y] > I->l[ly] + EPS)
			late = y;
		w += I->w[ly];
		v += I->v[ly];
		cnt++;
		x = y;
	}
	S->lst[e0] = I->ret_by;
	for (y = e0; y != s0; y = x)
	{
		double		t;
		int			lx;

		x = S->prev[y];
		lx = LOC(I, x);
		t = S->lst[y] - ri_time(I, lx, LOC(I, y)) - I->s[lx];
		S->lst[x] = t < I->l[lx] ? t : I->l[lx];
	}
	S->rw[r] = w;
	S->rv[r] = v;
	S->rd[r] = d;
	S->rc[r] = cnt;
	I->work += cnt + 1;
	return late;
}

static void
link_after(Sol *S, int a, int u, int r)
{
	int			b = S->next[a];

	S->next[a] = u;
	S->prev[u] = a;
	S->next[u] = b;
	S->prev[b] = u;
	S->rid[u] = r;
}

static void
unlink_node(Sol *S, int u)
{
	int			a = S->prev[u],
				b = S->next[u];

	S->next[a] = b;
	S->prev[b] = a;
	S->rid[u] = -1;
	S->next[u] = S->prev[u] = -1;
}

static double
sol_cost(Sol *S)
{
	double		c = 0;
	int			i;

	for (i = 0; i < S->nact; i++)
		c += S->rd[S->act[i]];
	S->cost = c;
	return c;
}

/* ------------------------------------------------------------------ */
/* random numbers: xoshiro256** seeded by splitmix64                    */

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
route_rng_next(RouteRng *r)
{
	uint64_t   *s = r->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* uniform in [0, 1) */
double
route_rng_unit(RouteRng *r)
{
	return (route_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline int
rng_int(RouteInst *I, int k)
{
	int			v = (int) (route_rng_unit(&I->rng) * k);

	return v < k ? v : k - 1;
}

/* ------------------------------------------------------------------ */
/* ruin                                                                 */

typedef struct Work
{
	int		   *removed;		/* [ns] */
	int			nrem;
	int		   *buf;			/* [ns] a route's stops */
	int		   *stamp;			/* [maxr] */
	int			stampv;
	int		   *ruined;			/* [maxr] */
	int			nruined;
	double	   *key;			/* [n1] sort keys */
	/* routes changed in this iteration, and since the best was saved */
	int		   *dlist,
			   *dmark,
			   *blist,
			   *bmark;			/* [maxr] */
	int			nd,
				dv,
				nbest;
} Work;

static inline void
mark_dirty(Work *W, int r)
{
	if (W->dmark[r] != W->dv)
	{
		W->dmark[r] = W->dv;
		W->dlist[W->nd++] = r;
	}
}

/*
 * Makes dst equal to src, given that they differ only in the routes listed
 * (every route a moved stop left or joined is listed, so copying src's
 * version of each listed route fixes every node that differs).
 */
static void
sol_sync(RouteInst *I, Sol *dst, const Sol *src, const int *list, int cnt)
{
	int			i;

	for (i = 0; i < cnt; i++)
	{
		int			r = list[i],
					x;

		if (src->apos[r] < 0)
			continue;
		for (x = SNODE(I, r);; x = src->next[x])
		{
			dst->next[x] = src->next[x];
			dst->prev[x] = src->prev[x];
			dst->rid[x] = src->rid[x];
			dst->est[x] = src->est[x];
			dst->lst[x] = src->lst[x];
			if (x == ENODE(I, r))
				break;
		}
		dst->rw[r] = src->rw[r];
		dst->rv[r] = src->rv[r];
		dst->rd[r] = src->rd[r];
		dst->rc[r] = src->rc[r];
		I->work += 1 + src->rc[r];
	}
	memcpy(dst->act, src->act, sizeof(int) * src->nact);
	memcpy(dst->apos, src->apos, sizeof(int) * src->maxr);
	memcpy(dst->freel, src->freel, sizeof(int) * src->nfree);
	dst->nact = src->nact;
	dst->nfree = src->nfree;
	dst->cost = src->cost;
	I->work += src->maxr / 16.0;
}

static void
remove_stop(Sol *S, Work *W, int u)
{
	unlink_node(S, u);
	W->removed[W->nrem++] = u;
}

/* Removes a string of lt stops of route r containing c (SISR string or
 * split-string removal). */
static void
ruin_route(RouteInst *I, Sol *S, Work *W, int r, int c, int lt)
{
	int			len = 0,
				idx = 0,
				x,
				lo,
				hi,
				st,
				i,
				m = 1,
				span;

	for (x = S->next[SNODE(I, r)]; x != ENODE(I, r); x = S->next[x])
	{
		if (x == c)
			idx = len;
		W->buf[len++] = x;
	}
	if (lt > len)
		lt = len;
	span = lt;
	if (lt < len && route_rng_unit(&I->rng) < 0.5)
	{
		/* split string: keep m consecutive stops inside the string */
		while (lt + m < len && route_rng_unit(&I->rng) > SISR_SPLIT_BETA)
			m++;
		span = lt + m;
	}
	else
		m = 0;
	lo = idx - span + 1;
	if (lo < 0)
		lo = 0;
	hi = idx;
	if (hi > len - span)
		hi = len - span;
	st = lo + rng_int(I, hi - lo + 1);
	if (m == 0)
	{
		for (i = st; i < st + span; i++)
			remove_stop(S, W, W->buf[i]);
	}
	else
	{
		int			keep = st + rng_int(I, lt + 1);

		for (i = st; i < st + span; i++)
			if (i < keep || i >= keep + m)
				remove_stop(S, W, W->buf[i]);
	}
	I->work += len;
}

static void
ruin(RouteInst *I, Sol *S, Work *W)
{
	double		avg = (double) I->ns / (S->nact > 0 ? S->nact : 1);
	double		lsmax = avg < SISR_LMAX ? avg : SISR_LMAX;
	double		ksmax = 4.0 * SISR_CBAR / (1.0 + lsmax) - 1.0;
	int			ks = (int) (route_rng_unit(&I->rng) * ksmax) + 1;
	int			seed = I->served[rng_int(I, I->ns)];
	int			k,
				i;

	W->nrem = 0;
	W->nruined = 0;
	W->stampv++;
	for (k = -1; k < I->K && W->nruined < ks; k++)
	{
		int			c = k < 0 ? seed : I->nb[(size_t) seed * I->K + k];
		int			r = S->rid[c];
		double		lmax;
		int			lt;

		if (r < 0 || W->stamp[r] == W->stampv)
			continue;
		W->stamp[r] = W->stampv;
		W->ruined[W->nruined++] = r;
		mark_dirty(W, r);
		lmax = S->rc[r] < lsmax ? S->rc[r] : lsmax;
		lt = (int) (route_rng_unit(&I->rng) * lmax) + 1;
		ruin_route(I, S, W, r, c, lt);
	}
	for (i = 0; i < W->nruined; i++)
	{
		int			r = W->ruined[i];

		for (;;)
		{
			int			late;

			if (S->next[SNODE(I, r)] == ENODE(I, r))
			{
				route_close(S, r);
				break;
			}
			late = route_update(I, S, r);
			if (late < 0)
				break;
			/* only without the triangle inequality in time */
			if (late >= I->n1)
				late = S->prev[late];
			remove_stop(S, W, late);
		}
	}
}

/* ------------------------------------------------------------------ */
/* recreate                                                             */

/* Cheapest feasible place of u in route r, if cheaper than *best. */
static void
best_in_route(RouteInst *I, Sol *S, int r, int u, bool blink,
			  double *best, int *besta)
{
	int			s0 = SNODE(I, r),
				e0 = ENODE(I, r),
				a;
	double		eu = I->e[u],
				lu = I->l[u],
				su = I->s[u];

	if (S->rw[r] + I->w[u] > I->cap_w + EPS ||
		S->rv[r] + I->v[u] > I->cap_v + EPS ||
		S->rc[r] + 1 > I->max_stops)
		return;
	for (a = s0; a != e0; a = S->next[a])
	{
		int			b = S->next[a];
		int			la = LOC(I, a),
					lb = LOC(I, b);
		double		delta,
					arr,
					st;

		I->work += 1;
		if (S->est[a] > lu + EPS)
			break;
		if (blink && route_rng_unit(&I->rng) < SISR_BLINK)
			continue;
		delta = ri_dist(I, la, u) + ri_dist(I, u, lb) - ri_dist(I, la, lb);
		if (delta >= *best)
			continue;
		arr = S->est[a] + I->s[la] + ri_time(I, la, u);
		st = arr > eu ? arr : eu;
		if (st > lu + EPS)
			continue;
		if (st + su + ri_time(I, u, lb) > S->lst[b] + EPS)
			continue;
		*best = delta;
		*besta = a;
	}
}

static void
insert_stop(RouteInst *I, Sol *S, Work *W, int u, bool blink)
{
	double		newr = ri_dist(I, 0, u) + ri_dist(I, u, 0);
	double		best = newr + 1e-9 * (1.0 + newr);	/* ties: no new vehicle */
	int			besta = -1,
				r,
				i;

	if (S->nact <= ALL_ROUTES)
	{
		for (i = 0; i < S->nact; i++)
			best_in_route(I, S, S->act[i], u, blink, &best, &besta);
	}
	else
	{
		int			kc = I->K < CAND_NB ? I->K : CAND_NB;

		W->stampv++;
		for (i = 0; i < kc; i++)
		{
			r = S->rid[I->nb[(size_t) u * I->K + i]];
			if (r < 0 || W->stamp[r] == W->stampv)
				continue;
			W->stamp[r] = W->stampv;
			best_in_route(I, S, r, u, blink, &best, &besta);
		}
	}
	if (besta < 0)
	{
		r = route_open(I, S);
		besta = SNODE(I, r);
	}
	else
		r = S->rid[besta];
	mark_dirty(W, r);
	link_after(S, besta, u, r);
	route_update(I, S, r);
}

/* Sorts the removed stops by one of SISR's orders (stable insertion sort of
 * a shuffled list; keys descending). */
static void
order_removed(RouteInst *I, Work *W)
{
	int			n = W->nrem,
				i,
				j,
				kind;
	double		u = route_rng_unit(&I->rng) * (I->has_tw ? 13 : 11);

	for (i = n - 1; i > 0; i--)
	{
		int			k = rng_int(I, i + 1),
					t = W->removed[i];

		W->removed[i] = W->removed[k];
		W->removed[k] = t;
	}
	kind = u < 4 ? 0 : u < 8 ? 1 : u < 10 ? 2 : u < 11 ? 3 : 4;
	if (kind == 0)
		return;
	for (i = 0; i < n; i++)
	{
		int			x = W->removed[i];

		W->key[x] = kind == 1 ? I->w[x] + I->v[x] :
			kind == 2 ? ri_dist(I, 0, x) :
			kind == 3 ? -ri_dist(I, 0, x) : -I->l[x];
	}
	for (i = 1; i < n; i++)
	{
		int			x = W->removed[i];

		for (j = i; j > 0 && W->key[W->removed[j - 1]] < W->key[x]; j--)
			W->removed[j] = W->removed[j - 1];
		W->removed[j] = x;
	}
}

static void
recreate(RouteInst *I, Sol *S, Work *W, bool blink)
{
	int			i;

	order_removed(I, W);
	for (i = 0; i < W->nrem; i++)
		insert_stop(I, S, W, W->removed[i], blink);
	W->nrem = 0;
}

/* True when the route seq[0..len) driven backwards is as short (within
 * rounding) and still on time. */
static bool
reverse_as_good(RouteInst *I, const int *seq, int len)
{
	double		d = 0,
				dr = 0,
				t = 0;
	int			i,
				prev = 0;

	for (i = 0; i < len; i++)
	{
		d += ri_dist(I, prev, seq[i]);
		prev = seq[i];
	}
	d += ri_dist(I, prev, 0);
	prev = 0;
	for (i = len - 1; i >= 0; i--)
	{
		int			x = seq[i];
		double		arr = t + I->s[prev] + ri_time(I, prev, x);

		dr += ri_dist(I, prev, x);
		t = arr > I->e[x] ? arr : I->e[x];
		if (t > I->l[x] + EPS)
			return false;
		prev = x;
	}
	dr += ri_dist(I, prev, 0);
	if (t + I->s[prev] + ri_time(I, prev, 0) > I->ret_by + EPS)
		return false;
	return fabs(dr - d) <= 1e-9 * (d > 1 ? d : 1);
}

/* ------------------------------------------------------------------ */

int
route_search(RouteInst *I, int *order, int *route_start)
{
	const RouteProblem *p = I->p;
	Sol		   *cur = NULL,
			   *cand = NULL,
			   *best = NULL;
	Work		W;
	int			i,
				k,
				nr = -1,
				maxr = I->ns + 1;
	double		t0,
				tf,
				edge;
	int64_t		stall,
				last_best = 0;

	memset(&W, 0, sizeof(W));
	if (I->ns == 0)
	{
		route_start[0] = 0;
		return 0;
	}
	cur = sol_new(I);
	cand = sol_new(I);
	best = sol_new(I);
	W.removed = p->alloc(p->ctx, sizeof(int) * I->ns);
	W.buf = p->alloc(p->ctx, sizeof(int) * I->ns);
	W.stamp = p->alloc(p->ctx, sizeof(int) * maxr);
	W.ruined = p->alloc(p->ctx, sizeof(int) * maxr);
	W.key = p->alloc(p->ctx, sizeof(double) * I->n1);
	W.dlist = p->alloc(p->ctx, sizeof(int) * maxr);
	W.dmark = p->alloc(p->ctx, sizeof(int) * maxr);
	W.blist = p->alloc(p->ctx, sizeof(int) * maxr);
	W.bmark = p->alloc(p->ctx, sizeof(int) * maxr);
	if (!cur || !cand || !best || !W.removed || !W.buf || !W.stamp ||
		!W.ruined || !W.key || !W.dlist || !W.dmark || !W.blist || !W.bmark)
		goto done;
	memset(W.stamp, 0, sizeof(int) * maxr);
	memset(W.dmark, 0, sizeof(int) * maxr);
	memset(W.bmark, 0, sizeof(int) * maxr);

	/* construction: everything removed, then recreated */
	sol_clear(I, cur);
	for (i = 0; i < I->ns; i++)
		W.removed[i] = I->served[i];
	W.nrem = I->ns;
	order_removed(I, &W);
	for (i = 0; i < W.nrem; i++)
	{
		insert_stop(I, cur, &W, W.removed[i], false);
		if ((i & 63) == 63 && p->should_stop && p->should_stop(p->ctx))
		{
			nr = -2;
			goto done;
		}
	}
	W.nrem = 0;
	sol_cost(cur);
	sol_copy(best, cur);
	sol_copy(cand, cur);

	edge = cur->cost / (I->ns + cur->nact);
	if (!(edge > 1e-9))
		edge = 1e-9;			/* every stop at the depot */
	t0 = SISR_T0 * edge;
	tf = SISR_TF * edge;
	/* small problems: stop once the best has not moved for long */
	stall = 1000 * (int64_t) I->ns;
	if (stall < 20000)
		stall = 20000;
#ifdef STALL_OFF
	stall = INT64_MAX;
#endif
	while (!route_out_of_budget(I) && I->iterations - last_best < stall)
	{
		double		frac = I->work / I->work_limit;
		double		ifrac = (double) I->iterations / (double) I->max_iterations;
		double		temp;
		Sol		   *t;

		/* the schedule follows whichever count ends the search first */
		if (ifrac > frac)
			frac = ifrac;
		temp = t0 * pow(tf / t0, frac > 1 ? 1 : frac);

		I->iterations++;
		/* cand equals cur here */
		I->work += 300;			/* fixed costs of an iteration */
		W.dv++;
		W.nd = 0;
		ruin(I, cand, &W);
		recreate(I, cand, &W, true);
		sol_cost(cand);
		if (cand->cost < cur->cost - temp * log(1.0 - route_rng_unit(&I->rng)))
		{
			t = cur;
			cur = cand;
			cand = t;
			for (i = 0; i < W.nd; i++)
				if (!W.bmark[W.dlist[i]])
				{
					W.bmark[W.dlist[i]] = 1;
					W.blist[W.nbest++] = W.dlist[i];
				}
			if (cur->cost < best->cost - 1e-9)
			{
				last_best = I->iterations;
				sol_sync(I, best, cur, W.blist, W.nbest);
				for (i = 0; i < W.nbest; i++)
					W.bmark[W.blist[i]] = 0;
				W.nbest = 0;
			}
		}
		sol_sync(I, cand, cur, W.dlist, W.nd);
#ifdef ROUTE_CHECK
		for (i = 0; i < cur->nact; i++)
		{
			int			r = cur->act[i],
						x;

			if (cand->act[i] != r || cand->rc[r] != cur->rc[r] ||
				cand->rd[r] != cur->rd[r])
				abort();
			for (x = SNODE(I, r); x != ENODE(I, r); x = cur->next[x])
				if (cand->next[x] != cur->next[x] || cand->rid[x] != cur->rid[x] ||
					cand->est[x] != cur->est[x] || cand->lst[x] != cur->lst[x] ||
					cand->prev[cur->next[x]] != x)
					abort();
		}
		if (cand->nact != cur->nact || cand->cost != cur->cost)
			abort();
#endif
	}

#ifdef ROUTE_DEBUG
	fprintf(stderr, "route: n %d iterations %ld work %.0f\n", I->n, (long) I->iterations, I->work);
#endif
	/*
	 * Write out the best solution: a route whose reverse is as short and on
	 * time runs towards its higher stop index, and routes are ordered by
	 * their first stop, so that equivalent solutions print the same.
	 */
	nr = best->nact;
	k = 0;
	for (i = 0; i < nr; i++)
	{
		int			r = best->act[i],
					x,
					len;

		W.ruined[i] = k;
		for (x = best->next[SNODE(I, r)]; x != ENODE(I, r); x = best->next[x])
			W.removed[k++] = x;
		len = k - W.ruined[i];
		W.stamp[i] = len;
		if (W.removed[k - 1] < W.removed[W.ruined[i]] &&
			reverse_as_good(I, W.removed + W.ruined[i], len))
		{
			int			a = W.ruined[i],
						b = k - 1;

			for (; a < b; a++, b--)
			{
				int			t = W.removed[a];

				W.removed[a] = W.removed[b];
				W.removed[b] = t;
			}
		}
	}
	for (i = 0; i < nr; i++)
	{
		int			j,
					first = W.removed[W.ruined[i]];

		for (j = i; j > 0 && W.removed[W.ruined[W.buf[j - 1]]] > first; j--)
			W.buf[j] = W.buf[j - 1];
		W.buf[j] = i;
	}
	k = 0;
	for (i = 0; i < nr; i++)
	{
		int			ri = W.buf[i],
					j;

		route_start[i] = k;
		for (j = 0; j < W.stamp[ri]; j++)
			order[k++] = W.removed[W.ruined[ri] + j];
	}
	route_start[nr] = k;
done:
	sol_free(I, cur);
	sol_free(I, cand);
	sol_free(I, best);
	if (W.removed)
		p->dealloc(p->ctx, W.removed);
	if (W.buf)
		p->dealloc(p->ctx, W.buf);
	if (W.stamp)
		p->dealloc(p->ctx, W.stamp);
	if (W.ruined)
		p->dealloc(p->ctx, W.ruined);
	if (W.key)
		p->dealloc(p->ctx, W.key);
	if (W.dlist)
		p->dealloc(p->ctx, W.dlist);
	if (W.dmark)
		p->dealloc(p->ctx, W.dmark);
	if (W.blist)
		p->dealloc(p->ctx, W.blist);
	if (W.bmark)
		p->dealloc(p->ctx, W.bmark);
	return nr;
}
