"""Small-boat crossings (part of stage 8): boat loading, the weather gate, stock seizures, beach
interception with congestion, interception at sea, distress, rescue and deaths.

Today's buyers of boat places pay their gang. If today is not viable for small boats, every
customer waits in their camp with their contract. Otherwise each gang calls all its customers
who are in a camp (its waiting list, including today's buyers) and loads them onto boats at its chosen load (people per boat that minimises cost per seat, see
:func:`optimal_load`); when it has fewer boats in stock than that load needs, it packs more
people per boat, up to ``sea.max_load``, and the rest wait. Each prepared boat may be seized
before launch (people stay on the waiting list; the boat is lost), stopped on the beach (people go back to their
camp and may try again; the boat is lost), stopped at sea where a policy allows, or get into
distress (people are rescued, to either side, or die); otherwise it arrives. All draws for a
boat come from the "sea" stream with the gang's slot; person draws use the household head.
Every equation is in ``docs/ODD.md`` §7.6.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.rng import uniform
from crossings.engine.state import CROSSED, DEAD, IN_CAMP, LEFT, TRAVELLING
from crossings.engine.timeline import CHANNELS
from crossings.processes.decisions import BOAT
from crossings.processes.draws import memory_weight

# person outcomes
WAIT, STOPPED_BEACH, STOPPED_SEA, RESCUED_BACK, DIED, ARRIVED, STOPPED_LAUNCH, DIED_LAUNCH, TO_DETENTION = range(9)
N_OUTCOMES = 9
K_WEATHER = 0  # market slot: marginal sea state today
K_BOAT = 1000  # + 8 x boat number within the gang + draw
K_DEATH, K_RESCUE_SIDE, K_CRUSH = 30, 31, 32
K_TYPE = 1 << 40  # + boat number within the gang: the boat's type (apart from the K_BOAT draws)
K_CAPSIZE = 2 << 40  # + boat number within the gang: whether an untried crossing capsizes
E_BEACH, E_SEA = (CHANNELS.index(c) for c in ("beach", "sea"))


# -- pure functions (unit-tested; scalar, compiled so the market's kernels can call them) ----------
@njit(cache=True, inline="always")
def optimal_load(boat_fixed_eur, overload_cost_eur, rated, exponent, max_load):
    """People per boat minimising the cost per seat ``F / L + phi (L / R) ** gamma``:
    ``L* = (F R**gamma / (gamma phi)) ** (1 / (1 + gamma))``, clipped to [1, max_load]."""
    f = max(boat_fixed_eur, 0.0)
    per_seat = exponent * overload_cost_eur
    if per_seat <= 0.0:  # overloading costs nothing (underflow of tiny parameters): load fully
        return max(max_load, 1.0) if f > 0.0 else 1.0
    load = (f * rated**exponent / per_seat) ** (1.0 / (1.0 + exponent))
    if not np.isfinite(load):
        load = max_load
    return min(max(load, 1.0), max_load)


@njit(cache=True, inline="always")
def seat_cost(load, boat_fixed_eur, overload_cost_eur, rated, exponent):
    """Cost per seat of a boat carrying ``load`` people (EUR)."""
    load = max(load, 1.0)
    return boat_fixed_eur / load + overload_cost_eur * (load / rated) ** exponent


@njit(cache=True, inline="always")
def stock_seizure(max_share, e_beach, e_intel, evasion):
    """Chance a prepared boat is seized before launch: max x (1 - (1 - E_beach)(1 - E_intel)) x (1 - evasion)."""
    return max_share * (1.0 - (1.0 - e_beach) * (1.0 - e_intel)) * (1.0 - evasion)


@njit(cache=True, inline="always")
def beach_interception(max_share, e_beach, evasion, launching, congestion_boats, exponent):
    """Chance a launching boat is stopped on the beach: ``max_share x E_beach ** exponent x (1 -
    evasion)``, halved when ``congestion_boats`` other boats launch from the same site at the same
    time (Wein et al. 2009). With ``exponent`` (``sea.beach_interception_exponent``) below 1 the
    first patrols stop a larger share of launches and more money adds less (launch points spread
    along the coast and move away from patrols); 1 is proportional to E_beach (exactly: E_beach is
    not raised to a power then)."""
    others = max(launching - 1.0, 0.0)
    reach = e_beach if exponent == 1.0 else e_beach**exponent
    return max_share * reach * (1.0 - evasion) / (1.0 + others / congestion_boats)


@njit(cache=True, inline="always")
def distress_probability(load, rated, base, overload_effect, bad_weather, bad_multiplier):
    """Chance a boat gets into distress: base x (1 + k (load / rated - 1)+) x weather multiplier."""
    over = max(load / rated - 1.0, 0.0)
    p = base * (1.0 + overload_effect * over) * (bad_multiplier if bad_weather else 1.0)
    return min(p, 1.0)


@njit(cache=True, inline="always")
def boat_fate_probabilities(b_gang, b_site, b_people, trying, n_sites, evasion, beach_max, e_beach, congestion,
                            beach_exponent, rated, distress_base, overload_effect, bad, bad_multiplier):
    """Per prepared boat: beach-interception chance (congestion among boats trying at the same site)
    and distress chance (by load and weather)."""
    n = b_gang.shape[0]
    launching = np.empty(n_sites, np.float64)
    for z in range(launching.shape[0]):  # np.zeros, written out (see numpy_order)
        launching[z] = 0
    for b in range(n):
        if trying[b]:
            launching[b_site[b]] += 1.0
    p_beach = np.empty(n, np.float64)
    p_dis = np.empty(n, np.float64)
    for z in range(p_beach.shape[0]):  # np.zeros, written out (see numpy_order)
        p_beach[z] = p_dis[z] = 0
    for b in range(n):
        p_beach[b] = beach_interception(beach_max, e_beach, evasion[b_gang[b]], launching[b_site[b]], congestion,
                                        beach_exponent)
        p_dis[b] = distress_probability(b_people[b], rated, distress_base, overload_effect, bad, bad_multiplier)
    return p_beach, p_dis, launching


@njit(cache=True)
def boat_customers(customers, state, gang, paid_left, contract_mode, crossed_day, day, code, n_gangs):
    """The gangs' waiting lists, from the market's list of boat customers (slots in ascending order,
    as the active index, of everyone who bought a boat place and may still hold it) instead of a pass
    over every active person: the queue is the people in a camp holding a contract for ``code``, in
    slot order, and each gang's count is its part of the queue. Returns (the queue,
    customers waiting per gang, the list without those who can no longer be in a queue: contract
    ended, left, dead, or crossed before ``day``, since today's crossers may yet be returned)."""
    n = customers.shape[0]
    queue = np.empty(n, customers.dtype)
    keep = np.empty(n, customers.dtype)
    waiting = np.empty(n_gangs, np.float64)
    for z in range(waiting.shape[0]):  # np.zeros, written out (see numpy_order)
        waiting[z] = 0
    m = 0
    k = 0
    for r in range(n):
        i = customers[r]
        g = gang[i]
        if g < 0 or paid_left[i] <= 0 or contract_mode[i] != code:
            continue  # no contract: only a new purchase (which lists the person again) brings one
        s = state[i]
        if s == LEFT or s == DEAD or (s == CROSSED and crossed_day[i] < day):
            continue
        keep[k] = i
        k += 1
        if s == IN_CAMP:
            queue[m] = i
            m += 1
            waiting[g] += 1.0
    return queue[:m].copy(), waiting, keep[:k].copy()


@njit(cache=True)
def merge_customers(customers, new):
    """The sorted union of two ascending lists of slots, without repeats (``np.union1d`` in one
    pass: the customer list is long, today's buyers are few)."""
    out = np.empty(customers.shape[0] + new.shape[0], customers.dtype)
    i, j, m = 0, 0, 0
    while i < customers.shape[0] or j < new.shape[0]:
        if j >= new.shape[0] or (i < customers.shape[0] and customers[i] < new[j]):
            x = customers[i]
            i += 1
        elif i >= customers.shape[0] or new[j] < customers[i]:
            x = new[j]
            j += 1
        else:  # the same slot in both
            x = customers[i]
            i += 1
            j += 1
        if m == 0 or out[m - 1] != x:
            out[m] = x
            m += 1
    return out[:m].copy()


# boat fates
SEIZED, BEACH, SEA, DISTRESS, LANDED = range(5)


@njit(cache=True, inline="always")
def _sort_by_household(seg, household):
    """Stable sort of ``seg`` (people) by household, in place: the order of
    ``np.argsort(household[seg], kind="mergesort")``, by a bottom-up merge sort written out in
    loops (NumPy's argsort compiles far more slowly, which a first run pays for)."""
    n = seg.shape[0]
    a = np.empty(n, np.int64)  # household of each entry, sorted along with it
    for q in range(n):
        a[q] = household[seg[q]]
    b = seg.copy()
    tmp_k = np.empty(n, np.int64)
    tmp_v = np.empty_like(b)
    width = 1
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, o = lo, mid, lo
            while i < mid and j < hi:
                if a[j] < a[i]:  # strictly smaller from the right: equal keys keep their order
                    tmp_k[o] = a[j]
                    tmp_v[o] = b[j]
                    j += 1
                else:
                    tmp_k[o] = a[i]
                    tmp_v[o] = b[i]
                    i += 1
                o += 1
            while i < mid:
                tmp_k[o] = a[i]
                tmp_v[o] = b[i]
                i += 1
                o += 1
            while j < hi:
                tmp_k[o] = a[j]
                tmp_v[o] = b[j]
                j += 1
                o += 1
            lo = hi
        for q in range(n):
            a[q] = tmp_k[q]
            b[q] = tmp_v[q]
        width *= 2
    for q in range(n):
        seg[q] = b[q]


@njit(cache=True)
def plan_kernel(holders, household, gang, load, boats, waiting_days, scale, max_load, max_wait_days, max_launches,
                min_fill=0.5):
    """See :meth:`BoatCrossings.plan` (``waiting_days`` updated in place)."""
    n_g = load.shape[0]
    m = holders.shape[0]
    # stable sort by gang, then household (like np.lexsort((household, gang))): a counting sort by
    # gang, then a stable sort of each gang's households unless already in order (the usual case)
    counts = np.empty(n_g, np.int64)
    for z in range(counts.shape[0]):  # np.zeros, written out (see numpy_order)
        counts[z] = 0
    for r in range(m):
        counts[gang[holders[r]]] += 1
    start = np.empty(n_g, np.int64)
    for z in range(start.shape[0]):  # np.zeros, written out (see numpy_order)
        start[z] = 0
    for j in range(1, n_g):
        start[j] = start[j - 1] + counts[j - 1]
    fill = start.copy()
    h = np.empty_like(holders)
    for r in range(m):
        j = gang[holders[r]]
        h[fill[j]] = holders[r]
        fill[j] += 1
    for j in range(n_g):
        seg = h[start[j]:start[j] + counts[j]]
        for r in range(1, seg.shape[0]):
            if household[seg[r]] < household[seg[r - 1]]:
                _sort_by_household(seg, household)
                break
    gg = np.empty(m, np.int64)
    for r in range(m):
        gg[r] = gang[h[r]]
    cap_agents = max(1, int(np.floor(max_load / scale)))
    n_boats = np.empty(n_g, np.int64)
    per_boat = np.empty(n_g, np.int64)
    for z in range(n_boats.shape[0]):  # np.zeros, written out (see numpy_order)
        n_boats[z] = per_boat[z] = 0
    for j in range(n_g):  # np.ones, written out (one fewer NumPy function to compile)
        per_boat[j] = 1
    for j in range(n_g):
        if counts[j] == 0:
            continue
        people = counts[j] * scale
        # a boat leaves once at least min_fill full; fewer customers wait for the next viable day
        need = int(np.floor(people / max(load[j], 1.0) + (1.0 - min_fill)))
        if need == 0 and waiting_days[j] >= max_wait_days:
            need = 1  # customers have waited long enough: launch a partly filled boat
        avail = int(np.floor(boats[j] + 1e-9))
        if max_launches > 0.0:
            avail = min(avail, int(max_launches))
        nb = min(need, avail)
        if nb <= 0:
            waiting_days[j] += 1
            continue
        waiting_days[j] = 0
        n_boats[j] = nb
        per_boat[j] = min(int(np.ceil(counts[j] / nb)), cap_agents)
    number = np.empty(m, np.int64)
    on = np.empty(m, np.bool_)
    for r in range(m):
        number[r] = (r - start[gg[r]]) // per_boat[gg[r]]
        on[r] = number[r] < n_boats[gg[r]]
    return h, gg, number, on, n_boats


def crush_scale(s, e_beach: float) -> float:
    """``launch_crush_max x E_beach ** c``, c = ``launch_crush_beach_convexity``: passed to the kernel
    as its ``max_p``, which multiplies it by ``E_beach`` once more, so the chance is ``max_p x
    E_beach ** (1 + c) x load term`` (with c = 0, ``E_beach ** 0`` is exactly 1)."""
    return s.launch_crush_max * e_beach**s.launch_crush_beach_convexity


@njit(cache=True)
def pool_redirect(holders, gang, load, boats, home_coast, scale, min_fill, n_sites):
    """Which gang launches each gang's boat customers today (``sea.pool_partial_boats``). Gangs whose
    customers cannot fill a boat to ``min_fill`` of its chosen load are taken in index order, coast by
    coast (stretch of coast; one pool for gangs without one): the first with a whole boat in stock
    opens a pool, the next ones hand it their customers until the pool fills that boat to ``min_fill``
    of the pooling gang's load, then the next gang with a boat opens another. Gangs that can fill a
    boat keep their own customers. Returns, per gang, the gang whose boats carry its customers (itself
    when nothing changes)."""
    n_g = load.shape[0]
    counts = np.empty(n_g, np.int64)
    for z in range(counts.shape[0]):  # np.zeros, written out (see numpy_order)
        counts[z] = 0
    for r in range(holders.shape[0]):
        counts[gang[holders[r]]] += 1
    open_pool = np.empty(n_sites + 1, np.int64)
    pooled = np.empty(n_sites + 1, np.int64)
    for z in range(open_pool.shape[0]):  # np.full / np.zeros, written out (see numpy_order)
        open_pool[z] = -1
        pooled[z] = 0
    redirect = np.empty(n_g, np.int64)  # np.arange(n_g), written out
    for j in range(n_g):
        redirect[j] = j
    for j in range(n_g):
        if counts[j] == 0 or np.floor(counts[j] * scale / max(load[j], 1.0) + (1.0 - min_fill)) > 0:
            continue  # no customers, or enough for a boat of its own
        c = home_coast[j] if home_coast[j] >= 0 else n_sites
        lead = open_pool[c]
        if lead < 0:
            if boats[j] < 1.0 - 1e-9:
                continue  # no boat to pool on: its customers wait
            open_pool[c] = j
            pooled[c] = counts[j]
            lead = j
        else:
            redirect[j] = lead
            pooled[c] += counts[j]
        if pooled[c] * scale >= min_fill * max(load[lead], 1.0):
            open_pool[c] = -1  # this boat is full enough; the next gang with a boat opens another
    return redirect


@njit(cache=True, inline="always")
def crush_probability(max_p, e_beach, load, max_load, exponent):
    """Chance of a crush or drowning event while a boat is boarded at the water's edge: ``max_p x
    E_beach x (load / max_load) ** exponent`` (``max_p`` from :func:`crush_scale`). Beach policing pushes launches into rushed, crowded
    boardings (people wading out to boats already afloat), and the risk rises steeply as loads
    approach what a boat can physically hold."""
    x = min(max(load / max_load, 0.0), 1.0)
    return min(max_p * e_beach * x**exponent, 1.0)


@njit(cache=True)
def boat_fates(key, gg, number, on, n_boats, home_coast, stock_seizure_p, evasion, scale, n_sites, beach_max,
               e_beach, congestion, beach_exponent, rated, distress_base, overload_effect, bad, bad_multiplier, p_sea,
               crush_max, max_load, crush_exponent, act_intercept, type_cdf, type_rated, type_distress, p_capsize):
    """One row per prepared boat (by gang, then boat number): its gang and fate (SEIZED at launch,
    stopped on the BEACH, stopped at SEA, in DISTRESS, or LANDED) and whether boarding it ended in a
    crush (``crush``), with draws ``K_BOAT + 8 x number + j`` on the gang's slot; each person's boat
    (-1 if not on one), the boats trying per site and the number of boats with each fate. A boat
    is stopped at sea by a ``sea_interception`` policy (chance ``p_sea``) or by one of today's
    sea actors (chances ``act_intercept``, independent); ``b_actor`` names the actor (-1: none or
    the policy), drawn in proportion to the actors' chances. With boat types (``type_cdf``: today's
    cumulative shares), each boat draws its type, whose rated capacity and distress multiplier set
    its distress chance; ``b_type`` is -1 without types. A boat that is not stopped at sea capsizes
    with chance ``p_capsize`` (the inexperience of a corridor where few boats have crossed, see
    :func:`capsize_probability`; draw ``K_CAPSIZE + number``): it is in distress, and ``capsized``
    marks it."""
    n_g = n_boats.shape[0]
    n_b = 0
    offset = np.empty(n_g, np.int64)
    for j in range(n_g):
        offset[j] = n_b
        n_b += n_boats[j]
    b_gang = np.empty(n_b, np.int64)
    b_num = np.empty(n_b, np.int64)
    for j in range(n_g):
        for k in range(n_boats[j]):
            b_gang[offset[j] + k] = j
            b_num[offset[j] + k] = k
    person_boat = np.empty(gg.shape[0], np.int64)
    for z in range(person_boat.shape[0]):  # np.full, written out (see numpy_order)
        person_boat[z] = -1
    n_on = np.empty(n_b, np.int64)
    for z in range(n_on.shape[0]):  # np.zeros, written out (see numpy_order)
        n_on[z] = 0
    for r in range(gg.shape[0]):
        if on[r]:
            person_boat[r] = offset[gg[r]] + number[r]
            n_on[person_boat[r]] += 1
    b_people = np.empty(n_b, np.float64)
    b_site = np.empty(n_b, np.int64)
    trying = np.empty(n_b, np.bool_)
    for b in range(n_b):
        b_people[b] = n_on[b] * scale
        b_site[b] = home_coast[b_gang[b]]
        trying[b] = not (uniform(key, b_gang[b], K_BOAT + 8 * b_num[b]) < stock_seizure_p[b_gang[b]])
    p_beach, p_dis, launching = boat_fate_probabilities(
        b_gang, b_site, b_people, trying, n_sites, evasion, beach_max, e_beach, congestion, beach_exponent, rated,
        distress_base, overload_effect, bad, bad_multiplier,
    )
    n_types = type_cdf.shape[0]
    b_type = np.empty(n_b, np.int64)
    for z in range(b_type.shape[0]):  # np.full, written out (see numpy_order)
        b_type[z] = -1
    if n_types:
        for b in range(n_b):
            u_t = uniform(key, b_gang[b], K_TYPE + b_num[b])
            t = 0
            while t < n_types - 1 and u_t >= type_cdf[t]:
                t += 1
            b_type[b] = t
            p_dis[b] = distress_probability(b_people[b], type_rated[t], distress_base * type_distress[t],
                                            overload_effect, bad, bad_multiplier)
    n_act = act_intercept.shape[0]
    p_stop = p_sea
    if n_act:
        keep = 1.0 - p_sea
        for a in range(n_act):
            keep *= 1.0 - act_intercept[a]
        p_stop = 1.0 - keep
    fate = np.empty(n_b, np.int8)
    crush = np.empty(n_b, np.bool_)
    capsized = np.empty(n_b, np.bool_)
    b_actor = np.empty(n_b, np.int64)
    for z in range(crush.shape[0]):  # np.full / np.zeros, written out (see numpy_order)
        crush[z] = capsized[z] = 0
        b_actor[z] = -1
    for b in range(n_b):
        k = K_BOAT + 8 * b_num[b]
        if not trying[b]:
            fate[b] = SEIZED
            continue
        if uniform(key, b_gang[b], k + 1) < p_beach[b]:
            fate[b] = BEACH
            continue
        crush[b] = uniform(key, b_gang[b], k + 4) < crush_probability(crush_max, e_beach, b_people[b], max_load,
                                                                      crush_exponent)
        u_sea = uniform(key, b_gang[b], k + 2)
        if u_sea < p_stop:
            fate[b] = SEA
            if u_sea >= p_sea and n_act:  # stopped by an actor: which one, in proportion to its chance
                tot = 0.0
                for a in range(n_act):
                    tot += act_intercept[a]
                x = uniform(key, b_gang[b], k + 7) * tot
                a = 0
                while a < n_act - 1 and x >= act_intercept[a]:
                    x -= act_intercept[a]
                    a += 1
                b_actor[b] = a
        elif p_capsize > 0.0 and uniform(key, b_gang[b], K_CAPSIZE + b_num[b]) < p_capsize:
            fate[b] = DISTRESS
            capsized[b] = True
        elif uniform(key, b_gang[b], k + 3) < p_dis[b]:
            fate[b] = DISTRESS
        else:
            fate[b] = LANDED
    fate_counts = np.empty(5, np.int64)
    for z in range(fate_counts.shape[0]):  # np.zeros, written out (see numpy_order)
        fate_counts[z] = 0
    for b in range(n_b):
        fate_counts[fate[b]] += 1
    return b_gang, b_num, fate, crush, person_boat, launching, fate_counts, b_actor, b_type, capsized


@njit(cache=True)
def person_outcomes(h, person_boat, b_gang, b_num, fate, crush, household, key, scale, rescue_share, rescue_capacity,
                    to_destination_share, death_reached, death_unreached, crush_death, b_actor, act_response,
                    act_capacity, act_destination, act_detention, capsized, capsize_death):
    """Each customer's outcome from their boat's fate. A boat in distress is reached by rescuers in
    time with chance ``rescue_share x min(1, capacity / people in distress today)`` (one draw per
    boat, so deaths come in events); aboard, each person dies with chance ``death_reached`` if it was
    reached, ``death_unreached`` if not, and survivors are landed on either side. On a boat whose
    boarding ended in a crush, each person dies with chance ``crush_death`` (a death at launch). On a
    boat that capsized (``capsized``), a person dies with chance ``capsize_death`` if it was reached
    (people in the water), ``death_unreached`` if not.
    Sea actors of the day add their own chances ``response_a x min(1, capacity_a / people in
    distress)``, independently (a boat is reached with chance ``1 - prod(1 - p)``, by an actor
    drawn in proportion to the chances); the people an actor takes aboard (rescued, or on a boat
    it intercepted) are landed at the destination, in detention or back by the actor's shares.
    Returns the outcomes, the number of people on boats that landed, and the actor that took each
    person aboard (-1: none, or the standing rescue service of ``sea.*``)."""
    n = h.shape[0]
    outcome = np.empty(n, np.int8)  # WAIT unless on a boat
    for z in range(outcome.shape[0]):  # np.zeros, written out (see numpy_order)
        outcome[z] = 0
    n_distress = 0
    for r in range(n):
        if person_boat[r] >= 0 and fate[person_boat[r]] == DISTRESS:
            n_distress += 1
    reach = 0.0
    n_act = act_response.shape[0]
    p_act = np.empty(n_act, np.float64)
    for z in range(p_act.shape[0]):  # np.zeros, written out (see numpy_order)
        p_act[z] = 0
    reach_all = 0.0
    if n_distress:
        reach = rescue_share * min(1.0, rescue_capacity / (n_distress * scale))
        reach_all = reach
        if n_act:
            miss = 1.0 - reach
            for a in range(n_act):
                p_act[a] = act_response[a] * min(1.0, act_capacity[a] / (n_distress * scale))
                miss *= 1.0 - p_act[a]
            reach_all = 1.0 - miss
    n_b = fate.shape[0]
    reached = np.empty(n_b, np.bool_)
    for z in range(reached.shape[0]):  # np.zeros, written out (see numpy_order)
        reached[z] = 0
    for b in range(n_b):
        if fate[b] == DISTRESS:
            reached[b] = uniform(key, b_gang[b], K_BOAT + 8 * b_num[b] + 5) < reach_all
            if reached[b] and n_act:  # who reached it: the standing service or an actor, by their chances
                p_sum = 0.0  # p_act.sum(): Numba's is this same loop, in order
                for a in range(n_act):
                    p_sum += p_act[a]
                x = uniform(key, b_gang[b], K_BOAT + 8 * b_num[b] + 6) * (reach + p_sum)
                if x >= reach:
                    x -= reach
                    a = 0
                    while a < n_act - 1 and x >= p_act[a]:
                        x -= p_act[a]
                        a += 1
                    b_actor[b] = a
    person_actor = np.empty(n, np.int64)
    for z in range(person_actor.shape[0]):  # np.full, written out (see numpy_order)
        person_actor[z] = -1
    on_landed = 0
    for r in range(n):
        b = person_boat[r]
        if b < 0:
            continue
        f = fate[b]
        hh = household[h[r]]
        if f == SEIZED:
            outcome[r] = STOPPED_LAUNCH
            continue
        if f == BEACH:
            outcome[r] = STOPPED_BEACH
            continue
        if crush[b] and uniform(key, hh, K_CRUSH) < crush_death:
            outcome[r] = DIED_LAUNCH
            continue
        a = b_actor[b]
        if f == SEA:
            outcome[r] = STOPPED_SEA
            if a >= 0:
                person_actor[r] = a
                u = uniform(key, hh, K_RESCUE_SIDE)
                if u < act_destination[a]:
                    outcome[r] = ARRIVED
                elif u < act_destination[a] + act_detention[a]:
                    outcome[r] = TO_DETENTION
        elif f == LANDED:
            outcome[r] = ARRIVED
            on_landed += 1
        elif f == DISTRESS:
            if not reached[b]:
                d = death_unreached
            elif capsized[b]:
                d = capsize_death
            else:
                d = death_reached
            if uniform(key, hh, K_DEATH) < d:
                outcome[r] = DIED
            elif a < 0:
                if uniform(key, hh, K_RESCUE_SIDE) < to_destination_share:
                    outcome[r] = ARRIVED
                else:
                    outcome[r] = RESCUED_BACK
            else:
                person_actor[r] = a
                u = uniform(key, hh, K_RESCUE_SIDE)
                if u < act_destination[a]:
                    outcome[r] = ARRIVED
                elif u < act_destination[a] + act_detention[a]:
                    outcome[r] = TO_DETENTION
                else:
                    outcome[r] = RESCUED_BACK
    return outcome, on_landed, person_actor


@njit(cache=True)
def apply_outcomes(h, outcome, state, site, next_day, attempts, crossed_day, arrival_day, day, beach_days, sea_days,
                   destination, attempts_by_site, successes_by_site):
    """People's new states: back to camp after ``beach_days`` (stopped at launch or on the beach) or
    ``sea_days`` (one more attempt),
    dead, or crossed; attempts and successes counted at the camp they left. Returns (crossed,
    stopped on the beach then at sea or rescued back, dead, people per outcome, days to cross summed)."""
    n = h.shape[0]
    crossed = np.empty(n, h.dtype)
    back_beach = np.empty(n, h.dtype)
    back_sea = np.empty(n, h.dtype)
    dead = np.empty(n, h.dtype)
    nc, nbb, nbs, nd = 0, 0, 0, 0
    days_sum = 0
    counts = np.empty(N_OUTCOMES, np.int64)
    for z in range(counts.shape[0]):  # np.zeros, written out (see numpy_order)
        counts[z] = 0
    for r in range(n):
        o = outcome[r]
        counts[o] += 1
        if o == WAIT:
            continue
        i = h[r]
        camp = site[i]
        attempts_by_site[camp] += 1.0
        if o == ARRIVED:
            state[i] = CROSSED
            crossed_day[i] = day
            days_sum += day - np.int64(arrival_day[i])
            successes_by_site[camp] += 1.0
            site[i] = destination
            crossed[nc] = i
            nc += 1
        elif o == DIED or o == DIED_LAUNCH:
            state[i] = DEAD
            dead[nd] = i
            nd += 1
        else:
            state[i] = TRAVELLING
            attempts[i] += 1
            if o == STOPPED_BEACH or o == STOPPED_LAUNCH:
                next_day[i] = day + beach_days
                back_beach[nbb] = i
                nbb += 1
            else:
                next_day[i] = day + sea_days
                back_sea[nbs] = i
                nbs += 1
    stopped = np.empty(nbb + nbs, back_beach.dtype)  # np.concatenate, written out
    for r in range(nbb):
        stopped[r] = back_beach[r]
    for r in range(nbs):
        stopped[nbb + r] = back_sea[r]
    return crossed[:nc], stopped, dead[:nd], counts, days_sum


@njit(cache=True)
def book_boats(gg, outcome, b_gang, fate, scale, logistics_eur, crew_eur, boats, attempts_today, costs_today):
    """Gangs lose every prepared boat; today's attempts and costs (logistics per person, a crew per
    boat that tried to launch) are booked (x scale)."""
    n_g = boats.shape[0]
    used = np.empty(n_g, np.int64)
    crews = np.empty(n_g, np.int64)
    people = np.empty(n_g, np.int64)
    for z in range(used.shape[0]):  # np.zeros, written out (see numpy_order)
        used[z] = crews[z] = people[z] = 0
    for b in range(b_gang.shape[0]):
        used[b_gang[b]] += 1
        if fate[b] != SEIZED:
            crews[b_gang[b]] += 1
    for r in range(gg.shape[0]):
        if outcome[r] != WAIT:
            people[gg[r]] += 1
    for j in range(n_g):
        boats[j] = max(boats[j] - used[j], 0.0)
        att = people[j] * scale
        attempts_today[j] += att
        costs_today[j] += att * logistics_eur + crews[j] * crew_eur


def capsize_probability(sea, boats_launched: float) -> float:
    """Chance that a boat leaving the beach capsizes or sinks because the crossing is untried:
    ``sea.capsize_inexperienced x exp(-boats launched so far / sea.capsize_experience_boats)``. The
    corridor learns from every boat that leaves (pilots, routes, weather windows, boats that fit the
    crossing, and the coastguards' watch and procedures for boats in the water), so the first
    hundreds of crossings are the most dangerous per boat (docs/ODD.md §7.6)."""
    if sea.capsize_inexperienced <= 0.0:
        return 0.0
    return float(sea.capsize_inexperienced * np.exp(-boats_launched / sea.capsize_experience_boats))


def rescue_capacity(sea, e_sea: float) -> float:
    """People in distress that rescuers can reach in a day: the base capacity, raised by money for the
    sea (patrol boats, aircraft) as ``x (1 + sea.rescue_capacity_sea_effect x E_sea)``."""
    return float(sea.rescue_capacity_people_per_day * (1.0 + sea.rescue_capacity_sea_effect * e_sea))


def rescue_reach(sea, e_sea: float) -> float:
    """Chance that rescuers reach a boat in distress in time when capacity suffices: patrol boats and
    aircraft bought with money for the sea shorten the response, closing a share
    ``sea.rescue_reach_sea_effect x E_sea`` of the gap ``1 - sea.rescue_share``."""
    return float(1.0 - (1.0 - sea.rescue_share) * (1.0 - sea.rescue_reach_sea_effect * e_sea))


# the actors of a scenario without any (empty arrays, shared by every day)
_NO_ACTORS = {c: np.zeros(0, np.float64) for c in ("interception", "response", "capacity", "destination", "detention")}
_NO_ACTORS["site"] = np.zeros(0, np.int64)


def marginal_weather(sim, day: int, slot: int) -> bool:
    """Whether today's sea is marginal (chance ``sea.marginal_weather_share``): one draw a day on the
    sea stream, at ``slot`` (the market's slot after its gangs), shared by every boat launched today."""
    return uniform(sim.streams.key("sea", day), slot, K_WEATHER) < sim.scenario.sea.marginal_weather_share


def actors_today(tl, day: int) -> dict[str, np.ndarray]:
    """Today's sea actors (``sea_actor`` policies in force) as arrays: interception, response,
    capacity, landing shares and detention site."""
    if not tl.sea_actors:
        return _NO_ACTORS
    live = [a for a in tl.sea_actors if a["active"][day]]
    cols = ("interception", "response", "capacity", "destination", "detention")
    out = {c: np.array([a[c] for a in live], dtype=np.float64) for c in cols}
    out["site"] = np.array([a["site"] for a in live], dtype=np.int64)
    return out


def book_sea_actors(sim, day, h, outcome, person_boat, fate, person_actor, act) -> None:
    """Pull-backs and rescues by sea actors: people landed in detention are admitted (within
    places); the others are already on their way back or across."""
    from crossings.processes.detention import admit

    rec = sim.rec
    by_actor = person_actor >= 0
    on_boat = person_boat >= 0
    stopped = by_actor & on_boat & (fate[np.where(on_boat, person_boat, 0)] == SEA)
    rec.add("pulled_back", int(stopped.sum()))
    rec.add("rescued_by_actors", int((by_actor & ~stopped & (outcome != DIED)).sum()))
    to_det = np.flatnonzero(outcome == TO_DETENTION)
    if to_det.size:
        admit(sim, day, h[to_det], act["site"][person_actor[to_det]])


def resolve_people_at_sea(sim, day, key, h, person_boat, b_gang, b_num, fate, crush, b_actor, capsized, act, e):
    """The people on today's boats (``h``, from :func:`boat_fates`): each person's outcome
    (:func:`person_outcomes`) applied to them (:func:`apply_outcomes`; attempts and successes
    counted for the camps' boat belief), the days to cross and the sea actors' pull-backs and rescues
    recorded. Returns (outcomes, people on boats that landed, crossed, stopped, dead, people per
    outcome). Shared by gangs' boats and boats of one's own."""
    s = sim.scenario.sea
    p = sim.people
    scale = float(sim.scenario.scale)
    outcome, on_landed, person_actor = person_outcomes(
        h, person_boat, b_gang, b_num, fate, crush, p.household, key, scale, rescue_reach(s, e[E_SEA]),
        rescue_capacity(s, e[E_SEA]), s.rescued_to_destination_share, s.distress_death_share_reached,
        s.distress_death_share_unreached, s.launch_crush_death_share, b_actor, act["response"],
        act["capacity"], act["destination"], act["detention"], capsized, s.capsize_death_share,
    )
    crossed, stopped, dead, n_out, days_to_cross = apply_outcomes(
        h, outcome, p.state, p.site, p.next_day, p.attempts, p.crossed_day, p.arrival_day, day,
        max(1, int(round(s.beach_return_days))), max(1, int(round(s.sea_return_days))), sim.world.destination,
        sim.today["attempts_by_site"][BOAT], sim.today["successes_by_site"][BOAT],
    )
    if crossed.size:
        sim.rec.add("days_to_cross_sum", float(days_to_cross))
    if act["interception"].size:
        book_sea_actors(sim, day, h, outcome, person_boat, fate, person_actor, act)
    return outcome, on_landed, crossed, stopped, dead, n_out


def record_boat_day(sim, n_att, n_launch_stop, crossed, n_out, n_fate, n_b, n_lost, capsized, on_landed) -> None:
    """Today's boat results (people and boats by fate) and the corridor's experience (boats that
    left the beach). Shared by gangs' boats and boats of one's own."""
    rec = sim.rec
    rec.add("attempts_boat", n_att)
    rec.add("stopped_launch", n_launch_stop)
    rec.add("crossings_boat", crossed.size)
    rec.add("intercepted_beach", int(n_out[STOPPED_BEACH]))
    rec.add("intercepted_sea", int(n_out[STOPPED_SEA]))
    rec.add("rescued_sea", int(n_out[RESCUED_BACK]))
    rec.add("deaths_sea", int(n_out[DIED]))
    rec.add("deaths_launch", int(n_out[DIED_LAUNCH]))
    rec.add("boats_seized", n_lost)
    rec.add("boats_prevented", n_lost + int(n_fate[SEA]))
    rec.add("boats_launched", n_b - n_lost)
    rec.add("boats_capsized", int(capsized.sum()))
    sim.boats_launched_total += n_b - n_lost
    rec.add("boats_arrived", int(n_fate[LANDED]))
    rec.add("people_on_arrived_boats", on_landed)


class BoatCrossings:
    """The crossings-stage handler for boat customers (bound to the market)."""

    def __init__(self, market):
        self.market = market
        self.sim = market.sim

    def handle(self, day: int, idx: np.ndarray) -> None:
        mk = self.market
        sim = self.sim
        if idx.size:
            mk.sell(day, idx, BOAT)
        if not sim.timeline.weather_viable[day]:
            return  # customers wait for a viable day, keeping their contract
        # the gangs call every customer in a camp holding a boat contract, not only today's buyers
        queue = mk.boat_queue(day)
        if queue.size:
            self.launch(day, queue)

    def plan(self, holders: np.ndarray):
        """Sort customers by gang and household; boats and agents per boat for each gang.

        Each gang with customers needs ``floor(customers / load + 1 - sea.min_fill_share)`` boats (one after
        ``sea.max_wait_days`` of waiting), within its whole boats in stock and at most
        ``sea.max_launches_per_gang_per_day`` of them (if set); it fills them in order, up to
        ``sea.max_load`` people each. Returns (customers sorted, their gang, their
        boat number within the gang, whether they are on a boat, boats per gang)."""
        g = self.market.g
        sc = self.sim.scenario
        p = self.sim.people
        pool = sc.sea.pool_partial_boats and holders.size
        rows, household, gang = holders, p.household, p.gang
        if pool:  # plan on the customers' own rows, each under the gang that launches them today
            redirect = pool_redirect(holders, p.gang, g.load, g.boats, g.home_coast, float(sc.scale),
                                     float(sc.sea.min_fill_share), self.sim.world.n_sites)
            rows = np.arange(holders.size, dtype=holders.dtype)
            household = p.household[holders]
            gang = redirect[p.gang[holders]].astype(p.gang.dtype)
        h, gg, number, on, n_boats = plan_kernel(
            rows, household, gang, g.load, g.boats, g.waiting_days, float(sc.scale), float(sc.sea.max_load),
            float(sc.sea.max_wait_days), float(sc.sea.max_launches_per_gang_per_day), float(sc.sea.min_fill_share),
        )
        return (holders[h] if pool else h), gg, number, on, n_boats

    def launch(self, day: int, holders: np.ndarray) -> None:
        mk = self.market
        g = mk.g
        sim = self.sim
        sc = sim.scenario
        s = sc.sea
        m = sc.market
        tl = sim.timeline
        scale = float(sc.scale)
        e = tl.effectiveness[:, day]
        h, gg, number, on, n_boats = self.plan(holders)
        n_b = int(n_boats.sum())
        if n_b == 0:
            return
        key = sim.streams.key("sea", day)
        bad = marginal_weather(sim, day, g.n)
        act = actors_today(tl, day)
        types = tl.boat_type_share.shape[0]
        type_cdf = np.cumsum(tl.boat_type_share[:, day]) if types else np.zeros(0)
        b_gang, b_num, fate, crush, person_boat, launching, n_fate, b_actor, b_type, capsized = boat_fates(
            key, gg, number, on, n_boats, g.home_coast, g.stock_seizure, g.evasion, scale, sim.world.n_sites,
            s.beach_interception_max, e[E_BEACH], s.congestion_boats, s.beach_interception_exponent, s.rated_capacity, s.distress_probability,
            s.distress_overload_effect, bad, s.bad_weather_distress_multiplier, tl.sea_interception[day] * e[E_SEA],
            crush_scale(s, e[E_BEACH]), s.max_load, s.launch_crush_load_exponent, act["interception"], type_cdf,
            tl.boat_type_rated, tl.boat_type_distress, capsize_probability(s, sim.boats_launched_total),
        )
        outcome, on_landed, crossed, stopped_people, dead, n_out = resolve_people_at_sea(
            sim, day, key, h, person_boat, b_gang, b_num, fate, crush, b_actor, capsized, act, e)
        mk.settle(crossed, stopped_people, dead)
        sim.today["irregular_crossers"].append(crossed)
        # gangs: stock, costs, volume
        book_boats(gg, outcome, b_gang, fate, scale, m.logistics_boat_eur, s.crew_cost_eur, g.boats, g.attempts_today,
                   g.costs_today)
        # market memories (weighted like people's beliefs)
        n_launch_stop = int(n_out[STOPPED_LAUNCH])
        n_att = h.size - int(n_out[WAIT]) - n_launch_stop  # people on boats that tried to launch
        n_lost = int(n_fate[SEIZED] + n_fate[BEACH])
        alpha = memory_weight(m.volume_memory_days)
        w_b = 1.0 - (1.0 - alpha) ** min(n_b, 50)
        mk.seized_share += w_b * (n_lost / n_b - mk.seized_share)
        if n_fate[SEIZED] < n_b:  # some boats tried to launch
            sites = launching[launching > 0]
            mk.launch_crowding += alpha * (float(sites.mean()) - mk.launch_crowding)
        mk.observe_boat_deaths(dead.size * scale, n_att * scale)
        record_boat_day(sim, n_att, n_launch_stop, crossed, n_out, n_fate, n_b, n_lost, capsized, on_landed)
