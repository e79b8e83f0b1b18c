"""Stage 8: crossings. Today's attempts resolve, then the returns agreement acts.

Each crossing mode has a handler (``Crossings.handlers[code]``); the market
module adds handlers for paid lorry places and boats. Built in:

* **lorry alone**, in two stages: access (fences, secured parking, patrols stop
  people before they reach a lorry), ``reach = reach_unenforced x traffic(t) x
  (1 - access_max_reduction x E_port(t))``, then the controls (scanners, dogs, CO2
  probes), ``pass = success_unenforced x (1 - max_reduction x E_port(t))``;
  success ``p = reach x pass``. ``E_port`` is the port channel's effectiveness (a
  saturating function of the depreciated spending stock, so returns diminish). A
  person dies with probability ``lorry.death_risk``; otherwise, on failure they
  were stopped at access or detected at the controls (only the latter count as
  ``detected_port_controls``, as the observed series do) and are back in their
  camp after ``lorry.caught_return_days``. A try alone is a spell of up to
  ``lorry.nights_per_try`` nightly attempts, ended by the first success or a death
  (each night draws its own numbers); people who cross are counted today, the
  others are back after the spell's nights and ``lorry.caught_return_days``.
* **legal route**: places accrue at the day's quota (unused places carry over
  for at most 28 days, assumption); the earliest arrivals among those who chose
  it take them.

Returns agreement: places accrue at ``returns_per_day`` (carried over at most 7
days, assumption); that many of today's irregular arrivals (chosen at random)
are returned to the transit country (state ``returned``).

After resolving, each camp's remembered success rate per mode moves toward
today's observed rate with time scale ``people.belief_memory_days``.
"""

from __future__ import annotations

import numpy as np
from crossings.engine.jit import njit

from crossings.engine.loop import Process
from crossings.engine.rng import uniform
from crossings.engine.state import CROSSED, DEAD, RETURNED, TRAVELLING
from crossings.engine.timeline import CHANNELS
from crossings.processes.decisions import LEGAL, LORRY_ALONE, N_OPTIONS
from crossings.processes.draws import uniform_slots

PORT = CHANNELS.index("port")
LEGAL_CARRY_DAYS = 28.0  # assumption
RETURNS_CARRY_DAYS = 7.0  # assumption


def lorry_access(sim, day: int) -> float:
    """Chance that an attempt alone reaches a lorry (the access stage: fences, parking, patrols)."""
    lo = sim.scenario.lorry
    tl = sim.timeline
    return lo.reach_unenforced * min(tl.lorry_traffic[day], 1.5) * (1 - lo.access_max_reduction * tl.effectiveness[PORT, day])


def lorry_controls_pass(sim, day: int, evasion: float = 0.0) -> float:
    """Chance that a person in a lorry passes the controls (scanners, dogs, CO2 probes); a gang's
    evasion skill (its knowledge of the controls) lowers the effect of enforcement."""
    lo = sim.scenario.lorry
    e = sim.timeline.effectiveness[PORT, day]
    return lo.success_unenforced * (1 - lo.max_reduction * e * (1 - evasion))


def lorry_alone_success(sim, day: int) -> float:
    """Chance that one attempt alone succeeds: reaching a lorry, then passing the controls."""
    return lorry_access(sim, day) * lorry_controls_pass(sim, day)


@njit(cache=True, inline="always")
def resolve_kernel(
    idx, household, p_success, p_death, key, k, state, site, next_day, attempts, crossed_day,
    arrival_day, destination, day, return_days, att_site, ok_site,
):
    """Resolve attempts (``household``: everybody's household head; ``p_success`` and ``p_death``:
    one chance per person, or a single chance for all). Adds attempts and successes to the
    by-site rows ``att_site`` and ``ok_site``. Returns (crossed people, dead people, people
    stopped (back to their camp), days from arrival to crossing summed over the crossed)."""
    n = idx.shape[0]
    crossed = np.empty(n, idx.dtype)
    died = np.empty(n, idx.dtype)
    stopped = np.empty(n, idx.dtype)
    n_c = 0
    n_d = 0
    n_s = 0
    days = 0
    one_s = p_success.shape[0] == 1
    one_d = p_death.shape[0] == 1
    for r in range(n):
        i = idx[r]
        hh = household[i]
        s = site[i]
        att_site[s] += 1.0
        if uniform(key, hh, k + 1) < p_death[0 if one_d else r]:
            state[i] = DEAD
            died[n_d] = i
            n_d += 1
            continue
        if uniform(key, hh, k) < p_success[0 if one_s else r]:
            state[i] = CROSSED
            crossed_day[i] = day
            site[i] = destination
            crossed[n_c] = i
            n_c += 1
            days += day - np.int64(arrival_day[i])
            ok_site[s] += 1.0
        else:
            attempts[i] += 1
            state[i] = TRAVELLING  # detected; back in the same camp after return_days
            next_day[i] = day + max(1, return_days)
            stopped[n_s] = i
            n_s += 1
    return crossed[:n_c], died[:n_d], stopped[:n_s], days


NIGHT_DRAWS = 1000  # draw-slot offset between two nights of a spell (draws k, k + 1, k + 2 per night)


@njit(cache=True)
def spell_kernel(
    idx, household, p_reach, p_pass, p_death, nights, key, k, state, site, next_day, attempts, crossed_day,
    arrival_day, destination, day, return_days, att_site, ok_site,
):
    """Spells of up to ``nights`` nightly attempts alone: each night a death draw (``k + 1``), a
    success draw (``k``: reach x pass) and, on failure, whether the person was detected at the
    controls or stopped before a lorry (``k + 2``: given failure, reached the controls with chance
    ``p_reach (1 - p_pass) / (1 - p_reach p_pass)``), all on the household head's slot and shifted
    by ``NIGHT_DRAWS`` per night. With one night it draws exactly what one attempt per decision
    (:func:`resolve_kernel`, then the split of the failures) drew. Returns (crossed, dead, stopped,
    days from arrival to crossing summed over the crossed, attempts made, detections at the
    controls)."""
    n = idx.shape[0]
    crossed = np.empty(n, idx.dtype)
    died = np.empty(n, idx.dtype)
    stopped = np.empty(n, idx.dtype)
    n_c = 0
    n_d = 0
    n_s = 0
    days = 0
    n_att = 0
    n_det = 0
    p_ok = p_reach * p_pass
    denom = 1.0 - p_ok
    q = p_reach * (1.0 - p_pass) / denom if denom > 0 else 1.0
    for r in range(n):
        i = np.uint32(idx[r])  # unsigned: no negative-index wraparound (slots are never negative)
        hh = household[i]
        s = site[i]
        done = False
        for j in range(nights):
            kj = k + NIGHT_DRAWS * j
            att_site[s] += 1.0
            n_att += 1
            if uniform(key, hh, kj + 1) < p_death:
                state[i] = DEAD
                died[n_d] = i
                n_d += 1
                done = True
                break
            if uniform(key, hh, kj) < p_ok:
                state[i] = CROSSED
                crossed_day[i] = day
                site[i] = destination
                crossed[n_c] = i
                n_c += 1
                days += day - np.int64(arrival_day[i])
                ok_site[s] += 1.0
                done = True
                break
            attempts[i] += 1
            if uniform(key, hh, kj + 2) < q:
                n_det += 1
        if not done:
            state[i] = TRAVELLING  # back in the same camp after the spell and return_days
            next_day[i] = day + nights - 1 + max(1, return_days)
            stopped[n_s] = i
            n_s += 1
    return crossed[:n_c], died[:n_d], stopped[:n_s], days, n_att, n_det


@njit(cache=True, inline="always")
def belief_kernel(belief, att, ok, w):
    """Beliefs moved toward today's success rate ``ok / att`` with weight ``w`` where there were
    attempts (a new array; element by element as the NumPy expression it replaces)."""
    out = np.empty_like(belief)
    for c in range(belief.shape[0]):
        for s in range(belief.shape[1]):
            b = belief[c, s]
            if att[c, s] > 0:
                out[c, s] = b + w[c, s] * (ok[c, s] / att[c, s] - b)
            else:
                out[c, s] = b
    return out


@njit(cache=True)
def belief_table_kernel(belief, att, ok, power):
    """:func:`belief_kernel` with weights ``1 - power[min(att, 50)]`` (``power[k] = (1 - alpha) ** k``),
    or None if an attempt count is not a whole number from 0 (then nothing is computed)."""
    for c in range(att.shape[0]):
        for s in range(att.shape[1]):
            a = att[c, s]
            if not (a >= 0.0 and a == np.floor(a)):
                return None
    w = np.empty_like(att)
    for c in range(att.shape[0]):
        for s in range(att.shape[1]):
            w[c, s] = 1.0 - power[int(min(att[c, s], 50.0))]
    return belief_kernel(belief, att, ok, w)


class Crossings(Process):
    """Crossings: attempts resolve by mode (lorry alone against port enforcement, legal route
    quota, and the market's modes), deaths, detections; the returns agreement sends some of
    today's arrivals back; camps update their remembered success rates."""

    name = "crossings"
    reads = ("today.intents", "timeline.effectiveness", "timeline.lorry_traffic", "timeline.returns")
    writes = ("people.state", "people.site", "people.attempts", "beliefs", "results")

    def __init__(self, sim):
        super().__init__(sim)
        self.handlers = {LORRY_ALONE: self.lorry_alone, LEGAL: self.legal_route}
        self.legal_balance = 0.0
        self.returns_balance = 0.0
        self._p_success = np.empty(1)  # a scalar chance of success or death, as an array of one
        self._p_death = np.empty(1)
        self._weights: dict[float, np.ndarray] = {}  # (1 - alpha) ** k, k = 0..50, per memory weight alpha
        self._none = np.zeros(0, np.int32)  # nobody (shared by the handlers, which only read it)

    def step(self, day: int) -> None:
        sim = self.sim
        sim.today["irregular_crossers"] = []
        sim.today["attempts_by_site"] = np.zeros((N_OPTIONS, sim.world.n_sites))
        sim.today["successes_by_site"] = np.zeros((N_OPTIONS, sim.world.n_sites))
        intents = sim.today.get("intents", {})
        none = self._none
        for code, handler in self.handlers.items():
            handler(day, intents.get(code, none))
        self.returns_agreement(day)
        self.update_beliefs()

    # -- modes -------------------------------------------------------------------------------
    def resolve(self, day, idx, code, p_success, p_death, return_days):
        """Shared resolution used by every lorry mode: (crossed idx, died idx, stopped idx), the
        stopped back in their camp after ``return_days``."""
        sim = self.sim
        p = sim.people
        c_idx, d_idx, s_idx, days = resolve_kernel(
            idx, p.household, self._chance(p_success, self._p_success), self._chance(p_death, self._p_death),
            sim.streams.key("crossings", day), 10 * code, p.state, p.site, p.next_day, p.attempts, p.crossed_day,
            p.arrival_day, sim.world.destination, day, int(round(return_days)), sim.today["attempts_by_site"][code],
            sim.today["successes_by_site"][code],
        )
        if c_idx.size:
            sim.rec.add("days_to_cross_sum", float(days))
        return c_idx, d_idx, s_idx

    @staticmethod
    def _chance(p, one: np.ndarray) -> np.ndarray:
        """A chance per person from an array, or ``one`` (an array of one) holding a scalar chance."""
        if type(p) is float:
            one[0] = p
            return one
        if type(p) is np.ndarray and p.ndim:
            if p.dtype == np.float64 and p.flags.c_contiguous:
                return p
            return np.ascontiguousarray(p, dtype=np.float64)
        if np.ndim(p) == 0:
            one[0] = float(p)
            return one
        return np.ascontiguousarray(p, dtype=np.float64)

    def lorry_alone(self, day, idx):
        if idx.size == 0:
            return
        sim = self.sim
        lo = sim.scenario.lorry
        reach, passing = lorry_access(sim, day), lorry_controls_pass(sim, day)
        p = sim.people
        crossed, died, _, days, n_att, detected = spell_kernel(
            idx, p.household, float(reach), float(passing), float(lo.death_risk), int(lo.nights_per_try),
            sim.streams.key("crossings", day), 10 * LORRY_ALONE, p.state, p.site, p.next_day, p.attempts,
            p.crossed_day, p.arrival_day, sim.world.destination, day, int(round(lo.caught_return_days)),
            sim.today["attempts_by_site"][LORRY_ALONE], sim.today["successes_by_site"][LORRY_ALONE],
        )
        if crossed.size:
            sim.rec.add("days_to_cross_sum", float(days))
        failed = n_att - crossed.size - died.size  # failed nights
        rec = sim.rec
        rec.add("attempts_lorry_alone", n_att)
        rec.add("crossings_lorry_alone", crossed.size)
        rec.add("deaths_lorry", died.size)
        rec.add("intercepted_port", failed)
        rec.add("detected_port_controls", detected)
        rec.add("stopped_access", failed - detected)
        sim.today["irregular_crossers"].append(crossed)

    def legal_route(self, day, idx):
        sim = self.sim
        q = sim.timeline.legal_quota_per_day[day] / sim.scenario.scale
        self.legal_balance = min(self.legal_balance + q, q * LEGAL_CARRY_DAYS)
        if idx.size == 0 or self.legal_balance < 1:
            return
        p = sim.people
        take = min(int(self.legal_balance), idx.size)
        order = np.lexsort((idx, p.arrival_day[idx]))[:take]
        chosen = idx[order]
        sim.rec.add("days_to_cross_sum", float((day - p.arrival_day[chosen]).sum()))
        p.state[chosen] = CROSSED
        p.crossed_day[chosen] = day
        p.site[chosen] = sim.world.destination
        self.legal_balance -= take
        sim.rec.add("crossings_legal", take)

    # -- returns agreement -------------------------------------------------------------------------
    def returns_agreement(self, day):
        sim = self.sim
        q = sim.timeline.returns_per_day[day] / sim.scenario.scale
        if q <= 0:
            self.returns_balance = 0.0
            return
        self.returns_balance = min(self.returns_balance + q, q * RETURNS_CARRY_DAYS)
        parts = [a for a in sim.today["irregular_crossers"] if a.size]
        if not parts or self.returns_balance < 1:
            return
        crossers = np.concatenate(parts)
        p = sim.people
        key = sim.streams.key("returns", day)
        u = uniform_slots(key, crossers.astype(np.int64), 0)
        take = min(int(self.returns_balance), crossers.size)
        chosen = crossers[np.argsort(u, kind="stable")[:take]]
        p.state[chosen] = RETURNED
        back = sim.world.elsewhere if sim.world.elsewhere >= 0 else sim.world.entry_site
        p.site[chosen] = back
        p.next_day[chosen] = day + max(1, int(round(sim.scenario.outflow.returned_back_days)))
        p.crossed_day[chosen] = -1
        self.returns_balance -= take
        sim.rec.add("returned_agreement", take)
        # returned people re-enter the active index (crossers were still in it today)

    def update_beliefs(self):
        sim = self.sim
        att = sim.today["attempts_by_site"]
        ok = sim.today["successes_by_site"]
        alpha = 1.0 / sim.scenario.people.belief_memory_days
        # weight today's evidence by the number of attempts (more attempts, more information):
        # 1 - (1 - alpha) ** min(attempts, 50), NumPy's power, read from a table of its 51 values
        # when the attempts are whole numbers (always: each attempt adds 1), else computed
        table = self._weights.get(alpha)
        if table is None:
            table = self._weights[alpha] = (1.0 - alpha) ** np.arange(51.0)
        out = belief_table_kernel(sim.belief, att, ok, table)
        if out is None:
            w = 1.0 - (1.0 - alpha) ** np.minimum(att, 50.0)
            out = belief_kernel(sim.belief, att, ok, w)
        sim.belief = out
