/*
 * vrp_bench.c — standalone quality/speed harness of the bundling solver core
 * (src/core/route) on the CVRPLIB A set and Solomon's C1/R1 instances.
 *
 * Each instance is solved in its own metric through a user-supplied matrix:
 * CVRPLIB with rounded Euclidean distances (TSPLIB nint), Solomon with
 * unrounded Euclidean distances and one distance unit per minute.  The
 * best-known routes of the .sol file are evaluated in the same metric, so the
 * gap compares like with like.  Our routes are checked independently
 * (capacity, windows, return time, every stop served once).
 *
 *   vrp_bench [-t ms] [-s seed] [-i iterations] FILE.vrp|FILE.txt ...
 *                                              (.sol files beside them)
 *   vrp_bench [-t ms] -g N                              generated instance
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route/route.h"

typedef struct Inst
{
	char		name[64];
	int			solomon;
	int			n;				/* customers */
	double	   *x,
			   *y,
			   *dem,
			   *ready,
			   *due,
			   *svc;			/* [n+1], 0 = depot */
	double		cap;
} Inst;

static void *
b_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void
b_free(void *ctx, void *ptr)
{
	free(ptr);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
inst_alloc(Inst *in, int n1)
{
	in->x = calloc(n1, sizeof(double));
	in->y = calloc(n1, sizeof(double));
	in->dem = calloc(n1, sizeof(double));
	in->ready = calloc(n1, sizeof(double));
	in->due = calloc(n1, sizeof(double));
	in->svc = calloc(n1, sizeof(double));
}

static void
inst_free(Inst *in)
{
	free(in->x);
	free(in->y);
	free(in->dem);
	free(in->ready);
	free(in->due);
	free(in->svc);
}

static int
read_vrp(const char *path, Inst *in)
{
	FILE	   *f = fopen(path, "r");
	char		line[512];
	int			dim = 0,
				sec = 0;

	if (!f)
		return -1;
	memset(in, 0, sizeof(*in));
	while (fgets(line, sizeof(line), f))
	{
		int			id;
		double		a,
					b;

		if (strncmp(line, "DIMENSION", 9) == 0)
		{
			dim = atoi(strchr(line, ':') + 1);
			inst_alloc(in, dim);
			in->n = dim - 1;
		}
		else if (strncmp(line, "CAPACITY", 8) == 0)
			in->cap = atof(strchr(line, ':') + 1);
		else if (strncmp(line, "NODE_COORD_SECTION", 18) == 0)
			sec = 1;
		else if (strncmp(line, "DEMAND_SECTION", 14) == 0)
			sec = 2;
		else if (strncmp(line, "DEPOT_SECTION", 13) == 0)
			sec = 3;
		else if (sec == 1 && sscanf(line, "%d %lf %lf", &id, &a, &b) == 3 &&
				 id >= 1 && id <= dim)
		{
			in->x[id - 1] = a;
			in->y[id - 1] = b;
		}
		else if (sec == 2 && sscanf(line, "%d %lf", &id, &a) == 2 &&
				 id >= 1 && id <= dim)
			in->dem[id - 1] = a;
	}
	fclose(f);
	return dim > 1 ? 0 : -1;
}

static int
read_solomon(const char *path, Inst *in)
{
	FILE	   *f = fopen(path, "r");
	char		line[512];
	int			nv,
				cnt = 0,
				cap_next = 0;
	double		rows[1001][7];

	if (!f)
		return -1;
	memset(in, 0, sizeof(*in));
	in->solomon = 1;
	while (fgets(line, sizeof(line), f))
	{
		double		r[7];

		if (strstr(line, "NUMBER"))
		{
			cap_next = 1;
			continue;
		}
		if (cap_next && sscanf(line, "%d %lf", &nv, &in->cap) == 2)
		{
			cap_next = 0;
			continue;
		}
		if (sscanf(line, "%lf %lf %lf %lf %lf %lf %lf", &r[0], &r[1], &r[2],
				   &r[3], &r[4], &r[5], &r[6]) == 7 && cnt < 1001)
			memcpy(rows[cnt++], r, sizeof(r));
	}
	fclose(f);
	inst_alloc(in, cnt);
	in->n = cnt - 1;
	for (int i = 0; i < cnt; i++)
	{
		int			id = (int) rows[i][0];

		if (id < 0 || id >= cnt)
			return -1;
		in->x[id] = rows[i][1];
		in->y[id] = rows[i][2];
		in->dem[id] = rows[i][3];
		in->ready[id] = rows[i][4];
		in->due[id] = rows[i][5];
		in->svc[id] = rows[i][6];
	}
	return cnt > 1 ? 0 : -1;
}

static double
metric(const Inst *in, int a, int b)
{
	double		d = hypot(in->x[a] - in->x[b], in->y[a] - in->y[b]);

	return in->solomon ? d : floor(d + 0.5);
}

/* Best-known routes: "Route #k: c c c" lines (customer numbers 1..n). */
static double
bks_cost(const char *solpath, const Inst *in, int *nroutes)
{
	FILE	   *f = fopen(solpath, "r");
	char		line[8192];
	double		total = 0;

	*nroutes = 0;
	if (!f)
		return NAN;
	while (fgets(line, sizeof(line), f))
	{
		char	   *p = strchr(line, ':');
		int			prev = 0,
					c,
					k;

		if (strncmp(line, "Route", 5) != 0 || p == NULL)
			continue;
		p++;
		while (sscanf(p, "%d%n", &c, &k) == 1)
		{
			total += metric(in, prev, c);
			prev = c;
			p += k;
		}
		total += metric(in, prev, 0);
		(*nroutes)++;
	}
	fclose(f);
	return total;
}

/* Independent check of our solution; returns the number of violations. */
static int
check(const Inst *in, const RouteSolution *s)
{
	int			bad = 0;
	int		   *seen = calloc(in->n, sizeof(int));

	for (int r = 0; r < s->n_routes; r++)
	{
		double		t = 0,
					load = 0;
		int			prev = 0;

		for (int k = s->route_start[r]; k < s->route_start[r + 1]; k++)
		{
			int			c = s->order[k] + 1;

			seen[c - 1]++;
			t += (prev ? in->svc[prev] : 0) + metric(in, prev, c);
			if (t < in->ready[c])
				t = in->ready[c];
			if (in->solomon && t > in->due[c] + 1e-6)
				bad++;
			if (fabs(t - s->eta_min[c - 1]) > 1e-6 && in->solomon)
				bad++;
			load += in->dem[c];
			prev = c;
		}
		t += in->svc[prev] + metric(in, prev, 0);
		if (in->solomon && t > in->due[0] + 1e-6)
			bad++;
		if (load > in->cap + 1e-9)
			bad++;
	}
	for (int i = 0; i < in->n; i++)
		if (seen[i] != 1)
			bad++;
	free(seen);
	return bad;
}

typedef struct Result
{
	double		ours,
				bks,
				gap,
				ms;
	int			routes,
				bad;
} Result;

static Result
solve(const Inst *in, double limit_ms, unsigned long long seed, long iters)
{
	int			n = in->n,
				n1 = n + 1;
	double	   *D = malloc(sizeof(double) * n1 * n1);
	RouteStop  *st = calloc(n > 0 ? n : 1, sizeof(RouteStop));
	RouteProblem p;
	RouteSolution s;
	Result		res;
	double		t0;
	int			rc;

	memset(&res, 0, sizeof(res));
	for (int i = 0; i < n1; i++)
		for (int j = 0; j < n1; j++)
			D[i * n1 + j] = metric(in, i, j);
	for (int i = 0; i < n; i++)
	{
		st[i].weight_kg = in->dem[i + 1];
		st[i].service_min = in->solomon ? in->svc[i + 1] : 0;
		st[i].tw_start = in->solomon ? in->ready[i + 1] : -INFINITY;
		st[i].tw_end = in->solomon ? in->due[i + 1] : INFINITY;
	}
	memset(&p, 0, sizeof(p));
	p.n = n;
	p.stops = st;
	p.capacity_kg = in->cap;
	p.speed_kmh = 60;			/* one distance unit per minute */
	p.return_by_min = in->solomon ? in->due[0] : 0;
	p.dist_km = D;
	p.time_limit_ms = limit_ms;
	p.seed = seed;
	p.max_iterations = iters;
	p.alloc = b_alloc;
	p.dealloc = b_free;
	t0 = now_ms();
	rc = route_solve(&p, &s);
	res.ms = now_ms() - t0;
	if (rc != ROUTE_OK)
	{
		fprintf(stderr, "%s: route_solve failed (%d)\n", in->name, rc);
		res.bad = 1;
	}
	else
	{
		double		tot = 0;

		for (int r = 0; r < s.n_routes; r++)
		{
			int			prev = 0;

			for (int k = s.route_start[r]; k < s.route_start[r + 1]; k++)
			{
				tot += metric(in, prev, s.order[k] + 1);
				prev = s.order[k] + 1;
			}
			tot += metric(in, prev, 0);
		}
		res.ours = tot;
		res.routes = s.n_routes;
		res.bad = check(in, &s) + s.n_unserved;
		route_solution_free(&p, &s);
	}
	free(D);
	free(st);
	return res;
}

int
main(int argc, char **argv)
{
	double		limit = 1000;
	unsigned long long seed = 1;
	long		iters = 0;
	int			gen = 0;
	double		sum_gap[3] = {0},
				max_ms[3] = {0};
	int			cnt[3] = {0},
				bad_total = 0;
	const char *setname[3] = {"CVRP A", "Solomon C1", "Solomon R1"};

	for (int a = 1; a < argc; a++)
	{
		Inst		in;
		Result		r;
		char		solpath[1024];
		const char *base;
		int			set,
					bks_routes = 0;

		if (strcmp(argv[a], "-t") == 0 && a + 1 < argc)
		{
			limit = atof(argv[++a]);
			continue;
		}
		if (strcmp(argv[a], "-i") == 0 && a + 1 < argc)
		{
			iters = atol(argv[++a]);
			continue;
		}
		if (strcmp(argv[a], "-s") == 0 && a + 1 < argc)
		{
			seed = strtoull(argv[++a], NULL, 10);
			continue;
		}
		if (strcmp(argv[a], "-g") == 0 && a + 1 < argc)
		{
			gen = atoi(argv[++a]);
			/* generated: uniform stops in a 100 x 100 square, depot in the
			 * middle, demands 1..20, capacity 200 (about 20 stops a load) */
			unsigned long long z = 12345;

			memset(&in, 0, sizeof(in));
			snprintf(in.name, sizeof(in.name), "gen-%d", gen);
			inst_alloc(&in, gen + 1);
			in.n = gen;
			in.cap = 200;
			in.x[0] = in.y[0] = 50;
			for (int i = 1; i <= gen; i++)
			{
				z = z * 6364136223846793005ULL + 1442695040888963407ULL;
				in.x[i] = (z >> 11) * (100.0 / 9007199254740992.0);
				z = z * 6364136223846793005ULL + 1442695040888963407ULL;
				in.y[i] = (z >> 11) * (100.0 / 9007199254740992.0);
				z = z * 6364136223846793005ULL + 1442695040888963407ULL;
				in.dem[i] = 1 + (int) ((z >> 33) % 20);
				in.due[i] = 1e9;
			}
			in.solomon = 0;
			r = solve(&in, limit, seed, iters);
			printf("%-12s ours %10.1f  routes %3d  time %7.0f ms  %s\n",
				   in.name, r.ours, r.routes, r.ms,
				   r.bad ? "VIOLATIONS" : "feasible");
			bad_total += r.bad;
			inst_free(&in);
			continue;
		}
		base = strrchr(argv[a], '/');
		base = base ? base + 1 : argv[a];
		if (strstr(argv[a], ".vrp"))
		{
			if (read_vrp(argv[a], &in) != 0)
				continue;
			set = 0;
		}
		else
		{
			if (read_solomon(argv[a], &in) != 0)
				continue;
			set = base[0] == 'C' ? 1 : 2;
		}
		snprintf(in.name, sizeof(in.name), "%.*s", (int) strcspn(base, "."), base);
		snprintf(solpath, sizeof(solpath), "%.*s.sol",
				 (int) (strrchr(argv[a], '.') - argv[a]), argv[a]);
		r = solve(&in, limit, seed, iters);
		r.bks = bks_cost(solpath, &in, &bks_routes);
		r.gap = 100.0 * (r.ours - r.bks) / r.bks;
		printf("%-10s ours %8.1f  best-known %8.1f  gap %6.2f %%  routes %2d (bk %2d)  time %5.0f ms  %s\n",
			   in.name, r.ours, r.bks, r.gap, r.routes, bks_routes, r.ms,
			   r.bad ? "VIOLATIONS" : "feasible");
		fflush(stdout);
		sum_gap[set] += r.gap;
		cnt[set]++;
		if (r.ms > max_ms[set])
			max_ms[set] = r.ms;
		bad_total += r.bad;
		inst_free(&in);
	}
	for (int k = 0; k < 3; k++)
		if (cnt[k])
			printf("%-11s %2d instances: mean gap %5.2f %%, max time %5.0f ms\n",
				   setname[k], cnt[k], sum_gap[k] / cnt[k], max_ms[k]);
	printf("violations: %d\n", bad_total);
	return bad_total ? 1 : 0;
}
