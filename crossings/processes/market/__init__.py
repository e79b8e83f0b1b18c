"""Stage 6: the smuggling market (MODEL §6). Gangs, costs, prices, credit, entry, exit,
dismantling, evasion, boat stock; the paid-option decisions and the paid-lorry crossings.

Gangs are agents held in small arrays (:class:`Gangs`, tens of slots). Each day,
before people decide, the market stage

1. books yesterday's cash flows into each gang's capital, recent volume and profit;
2. dismantles gangs (hazard rising with intelligence effectiveness, crackdowns and
   gang size) and removes gangs with losses; rivals take over their customers;
3. lets one new gang enter when expected profit exceeds an entry cost that rises
   with enforcement;
4. updates evasion skill (investment in "studying the controls", decaying as the
   police adapt) and buys boats up to a stock target, within a supply that
   intelligence work disrupts;
5. computes each gang's cost per customer by mode, its boat load (people per boat
   minimising cost per seat, see :mod:`crossings.processes.sea`), and its prices:
   cost x markup, the markup from the Herfindahl index and a demand elasticity that
   falls as crossing alone gets harder, capped by what crossing alone (or waiting)
   is worth to the customer; posted prices move toward that target gradually.

The package also registers the two paid options of the decisions stage (a lorry
place and a boat place, with price against funds and credit) and the paid-lorry
handler of the crossings stage; boats are handled by :mod:`crossings.processes.sea`.
Every equation is written out in ``docs/ODD.md`` §7.6.

One file per concern, each opening with what it owns:

* ``common.py``       channel rows, draw counters, the paid modes, ``enabled``
* ``gangs.py``        the gang arrays, daily bookkeeping, who offers which mode
* ``pricing.py``      costs per customer, Herfindahl index, markups, posted prices
* ``selling.py``      the paid options, choosing a gang, paying and credit, settling debts
* ``entry_exit.py``   entry cost, dismantling, exit on losses, takeovers of customers
* ``supply.py``       evasion investment and boat restocking
* ``process.py``      the :class:`Market` process and :func:`install`

Every name is importable from ``crossings.processes.market``.
"""

from crossings.processes.draws import memory_weight
from crossings.processes.market.common import (
    DAYS_PER_YEAR, E_BEACH, E_INTEL, E_PORT, E_SEA, K_CHOOSE_GANG, K_DISMANTLE, K_ENTRY, K_EXIT, K_TAKEOVER, MODES,
    enabled,
)
from crossings.processes.market.entry_exit import dismantle_exit_kernel, dismantle_probability, entry_cost, takeover_kernel
from crossings.processes.market.gangs import Gangs, _offering, book_kernel, relative_volume
from crossings.processes.numpy_order import np_mean, np_sum
from crossings.processes.market.pricing import (
    N_PAR, PAR_ADJUST, PAR_ALONE, PAR_ASC_BOAT, PAR_ASC_LORRY, PAR_BEACH_MAX, PAR_BETA_COST, PAR_BETA_RISK, PAR_BETA_S,
    PAR_CONGESTION, PAR_CREW, PAR_CROWDING, PAR_DEATH_BOAT, PAR_DEATH_LORRY, PAR_DRIVER, PAR_E_BEACH, PAR_E_INTEL,
    PAR_E_PORT, PAR_ELAST, PAR_ELAST_FLOOR, PAR_GAMMA, PAR_KIT, PAR_LOG_BOAT, PAR_LOG_LORRY, PAR_LORRY_RED,
    PAR_LORRY_S0, PAR_MAX_LERNER, PAR_MAX_LOAD, PAR_N_FEE, PAR_OUTSIDE, PAR_P_SEA, PAR_PHI, PAR_PREMIUM, PAR_RATED,
    PAR_RISK_TOL, PAR_STOCK_MAX, PAR_TRAFFIC, demand_elasticity, episode_success, expected_attempts, hhi, markup,
    offer_means, posted_price_kernel, price_kernel,
)
from crossings.processes.market.process import Market, install
from crossings.processes.market.selling import (
    PaidPlace, lorry_book_kernel, paid_utility_kernel, sell_and_book, sell_kernel, sell_log_argument, settle_kernel,
)
from crossings.processes.market.supply import adapt_kernel

__all__ = [
    "DAYS_PER_YEAR", "E_BEACH", "E_INTEL", "E_PORT", "E_SEA", "K_CHOOSE_GANG", "K_DISMANTLE", "K_ENTRY", "K_EXIT",
    "K_TAKEOVER", "MODES", "enabled", "memory_weight",
    "dismantle_exit_kernel", "dismantle_probability", "entry_cost", "takeover_kernel",
    "Gangs", "_offering", "book_kernel", "relative_volume",
    "np_mean", "np_sum",
    "N_PAR", "PAR_ADJUST", "PAR_ALONE", "PAR_ASC_BOAT", "PAR_ASC_LORRY", "PAR_BEACH_MAX", "PAR_BETA_COST",
    "PAR_BETA_RISK", "PAR_BETA_S", "PAR_CONGESTION", "PAR_CREW", "PAR_CROWDING", "PAR_DEATH_BOAT", "PAR_DEATH_LORRY",
    "PAR_DRIVER", "PAR_E_BEACH", "PAR_E_INTEL", "PAR_E_PORT", "PAR_ELAST", "PAR_ELAST_FLOOR", "PAR_GAMMA", "PAR_KIT",
    "PAR_LOG_BOAT", "PAR_LOG_LORRY", "PAR_LORRY_RED", "PAR_LORRY_S0", "PAR_MAX_LERNER", "PAR_MAX_LOAD", "PAR_N_FEE",
    "PAR_OUTSIDE", "PAR_P_SEA", "PAR_PHI", "PAR_PREMIUM", "PAR_RATED", "PAR_RISK_TOL", "PAR_STOCK_MAX", "PAR_TRAFFIC",
    "demand_elasticity", "episode_success", "expected_attempts", "hhi", "markup", "offer_means", "posted_price_kernel",
    "price_kernel",
    "Market", "install",
    "PaidPlace", "lorry_book_kernel", "paid_utility_kernel", "sell_and_book", "sell_kernel", "sell_log_argument",
    "settle_kernel",
    "adapt_kernel",
]
