/* splitmix64: small, fast, and the same on every platform, so a seed replays exactly. */
#include "sim.h"

uint64_t rng_next(sim_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t rng_below(sim_rng *r, uint32_t n)
{
    return n ? (uint32_t)(((rng_next(r) >> 32) * n) >> 32) : 0;
}

uint32_t rng_range(sim_rng *r, uint32_t lo, uint32_t hi) { return lo + rng_below(r, hi - lo + 1u); }

int rng_chance(sim_rng *r, uint32_t per_million) { return rng_below(r, 1000000u) < per_million; }
