"""Parameters of the smuggling market and of sea crossings (MODEL §6).

Owned by the market process (:mod:`crossings.processes.market`) and the sea
crossings (:mod:`crossings.processes.sea`); every field documents its meaning,
unit, default and source (a key of ``data/SOURCES.md``, a reference from its
literature table, or "assumption": a modelling choice to calibrate). The
equations that use them are in ``docs/ODD.md`` §7.6. Euro values converted from
pounds use about 1.15 EUR per GBP.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field


from crossings.scenario.params import (
    HORIZON_MAX_DAYS,
    STRICT,
    Days,
    Eur,
    EurPerPerson,
    Exponent,
    MemoryDays,
    Multiplier,
    P,
    PerYear,
    PosDays,
    Prob,
    Utility,
)


class Market(BaseModel):
    """The smuggling market: gangs, costs, prices, credit, entry, exit, dismantling, evasion."""

    model_config = STRICT
    enabled: bool = P(True, "Run the smuggling market and paid crossings (boats, paid lorry places).", "", "MODEL §6")

    # -- gangs ---------------------------------------------------------------------------------
    initial_gangs: Annotated[int, Field(ge=0, le=250)] = P(
        12, "Active gangs on the start date.", "gangs",
        "assumption; UKFR-2023 (82 groups dismantled Jul 2020-Sep 2023) implies tens of groups active",
    )
    max_gangs: Annotated[int, Field(ge=1, le=250)] = P(60, "Most gangs that can be active at once (array size).", "gangs")
    initial_capital_eur: Eur = P(60_000.0, "Capital of a gang on the start date or on entry.", "EUR")
    initial_evasion: Prob = P(0.1, "Evasion skill (knowledge of the controls) of a new gang.", "share")
    network_gangs: bool = P(
        False, "Whether each gang serves one nationality network (market power from networks): a new gang serves the nationality with the most people waiting per gang serving it; people buy only from gangs of their network (from any gang if none serves it), and each gang's markup comes from the concentration (Herfindahl index of recent volume) among the gangs of its network, not of the whole market.", "switch",
        "assumption; NCA-2020, EUROPOL-2024 (Kurdish, Afghan, Eritrean and other networks each serving their own communities)",
    )
    coast_territories: bool = P(
        False, "Whether gangs hold stretches of coast as territory: a gang's boat markup comes from the concentration (Herfindahl index of recent volume) among the gangs launching from its own stretch of coast (and of its network, when networks are on), not among every gang selling boats.", "switch",
        "assumption; issue 7 item 5 (local concentration); EUROPOL-2024 and NCA-2020 describe groups controlling launch areas",
    )
    boat_lines_from_start: bool = P(
        True, "Whether every gang with a stretch of coast sells boat places from its first day. If false, a gang opens a boat line when the boat places it expects to sell (the people in the corridor who would choose a boat at its price, shared with the gangs already selling boats) would earn more per day than a gang earns from lorry places; each day the condition holds it does so with chance entry_rate_per_day.", "switch",
        "assumption; issue 7 (gangs moved into boats in late 2018 as lorries became harder, NCA-2020)",
    )
    boat_entrants: bool = P(
        False, "With boat_lines_from_start false: whether new groups may also enter to sell boat places. A would-be entrant compares a boat line's expected earnings over entry_horizon_days (the boat margin times the recent or latent demand for boat places, shared with the gangs already selling boats, less fixed costs) with the entry cost, and enters with a boat line with chance entry_rate_per_day x min(ratio - 1, 1) a day; unlike a lorry gang opening a line, it gives up no lorry margin. Off: only gangs that sell lorry places open boat lines.", "switch",
        "assumption; NCA-2020 (the groups behind the 2018-19 small boats were new to the Channel's crossings)",
    )
    volume_memory_days: MemoryDays = P(30.0, "Time scale of a gang's recent volume (customers served), used for market shares and size.", "days")

    # -- costs ---------------------------------------------------------------------------------
    logistics_boat_eur: EurPerPerson = P(
        300.0, "Logistics per boat passenger and attempt: transport to the beach, lodging, life jackets, phones.", "EUR/passenger",
    )
    logistics_lorry_eur: EurPerPerson = P(100.0, "Logistics per paid lorry passenger and attempt (transport to the parking area, lookouts).", "EUR/passenger")
    driver_payment_eur: EurPerPerson = P(
        250.0, "Payment to a lorry driver (or loader) per passenger and attempt with no port enforcement.", "EUR/passenger",
        "assumption; SKY-2015 (lorry places EUR 500 in mid-2015) bounds cost from above",
    )
    driver_payment_enforcement: Multiplier = P(
        2.0, "Relative rise of the driver payment at full port effectiveness (payment x (1 + k x E_port)): drivers ask more as checks and fines grow.",
        "dimensionless", "assumption; MT-2023 (haulier fines raised to GBP 10,000); GUARDIAN-2021 (lorry places GBP 4,000-5,000 in 2021)",
    )
    risk_premium_eur: EurPerPerson = P(
        500.0, "Risk premium per customer at full intelligence effectiveness (compensation for the risk of arrest; premium = value x E_intel).",
        "EUR/customer", "assumption; GUARDIAN-2021 ('prices went up with each new bout of security spending')",
    )
    fixed_cost_eur_per_day: Eur = P(
        250.0, "A gang's overheads per day (lookouts, lodging, phones, vehicles), paid whatever its volume.", "EUR/day",
    )

    # -- prices --------------------------------------------------------------------------------
    attempts_per_fee: Annotated[int, Field(ge=1, le=20)] = P(
        3, "Attempts covered by one fee (documented practice: a fee buys several tries).", "attempts",
        "assumption; AP-2021 and GUARDIAN-2021 describe payments covering repeat attempts",
    )
    demand_elasticity: Annotated[float, Field(gt=1, le=100)] = P(
        3.0, "Price elasticity of demand for paid places when crossing alone is as good as paying (Lerner index = HHI / elasticity).",
        "dimensionless", "assumption; Gathmann 2008 (smuggling demand is elastic), calibrate",
    )
    demand_elasticity_floor: Annotated[float, Field(gt=1, le=100)] = P(
        1.3, "Demand elasticity when crossing alone is impossible (customers have only waiting or leaving left).", "dimensionless",
    )
    collusion: Prob = P(
        0.0, "Conduct of the gangs sharing a market (a territory, or the whole market): 0 = they compete in quantities (Cournot: Lerner index = HHI / elasticity), 1 = they set prices as one cartel (Lerner = 1 / elasticity); in between, Lerner = (HHI + collusion x (1 - HHI)) / elasticity (the conduct parameter of Bresnahan 1989 and Genesove & Mullin 1998).", "share",
        "assumption (0 = Cournot)",
    )
    max_lerner: Annotated[float, Field(gt=0, lt=1)] = P(0.75, "Upper bound of the Lerner index (P - c) / P, keeping the markup finite.", "share")
    price_adjust_days: MemoryDays = P(
        20.0, "Time scale over which posted prices move toward their target.", "days",
        "SKY-2015 (Calais lorry places EUR 500 to EUR 800-1,100 in two months)",
    )
    price_cap_buyer_quantile: Annotated[float, Field(ge=0.01, le=0.99)] = P(
        0.632, "Quantile of risk tolerance of the buyer whose willingness to pay caps prices (the marginal buyer; 1 - 1/e = 0.632 is a buyer of mean risk tolerance).",
        "quantile", "assumption",
    )
    price_cap_among_buyers: bool = P(
        False, "Take the buyer whose willingness to pay caps prices among the people who would buy at cost: when a product's death risk keeps the quantile buyer of the whole population from buying at any price (boats in their first years, when people believe them deadly), the cap is set by the quantile buyer among the more risk-tolerant people who do buy (risk tolerance above the floor is exponential, so that buyer's tolerance is the buying threshold plus (mean - floor) x (-ln(1 - q))). A buyer of an access place is someone trying lorries, so its cap is what the place adds to trying alone over as many tries. Off: the quantile buyer of the whole population against crossing alone or waiting, and prices fall to cost whenever that buyer would not buy.",
        "switch", "assumption (issue 7 item 4: the price cap uses the willingness to pay of the marginal buyer)",
    )
    asc_boat: Utility = P(0.0, "Alternative-specific constant of buying a boat place.", "utility")
    asc_lorry_paid: Utility = P(0.0, "Alternative-specific constant of buying a guaranteed lorry place.", "utility")

    # -- paid lorry places ---------------------------------------------------------------------
    # Two products: an access place (a gang gets the customer past the fences to a lorry; the controls
    # are faced as when crossing alone) and a "guaranteed" place (a driver's complicity).
    access_cost_eur: EurPerPerson = P(
        100.0, "A gang's cost per customer and attempt of an access place (cutting fences, watching a parking, opening a lorry).", "EUR/passenger",
        "assumption; GUARDIAN-2021 ('a few hundred euros' for a lorry place in 2014)",
    )
    asc_lorry_access: Utility = P(
        0.0, "Alternative-specific constant of buying an access place, relative to hiding in a lorry alone (people.asc_lorry_alone applies too).", "utility",
    )
    guaranteed_places_per_day: Annotated[float, Field(gt=0, le=1e7)] = P(
        1e7, "Guaranteed lorry places (a driver's complicity) the whole market can sell per day at normal lorry traffic: the complicit drivers and their trips, shared equally by the active gangs and scaled by the day's lorry traffic. When a gang sells out its share, its price rises day by day (time scale price_adjust_days) until demand fits; it falls back as places go unsold.", "people/day",
        "assumption (default: no limit)",
    )
    guaranteed_places_enforcement_effect: Prob = P(
        0.0, "Share of the complicit drivers' places (guaranteed_places_per_day) that port enforcement at full effectiveness removes: checks, scanners and fines deter drivers (places x (1 - effect x E_port)).", "share",
        "assumption; MT-2023 (the civil penalty on hauliers raised from GBP 2,000 to 10,000 per person found)",
    )
    guaranteed_recruitment_days: PosDays | None = P(
        None, "Time scale (days) on which gangs recruit complicit drivers: the pool of guaranteed places (guaranteed_places_per_day x traffic x (1 - effect x E_port)) is multiplied by a recruitment factor R >= 1 that moves each day by the rate (1 - E_port / guaranteed_recruitment_enforcement) / days - guaranteed_recruitment_disruption x (the day's rise in E_port, if any): up while the market's guaranteed places sell out (recent demand above today's places) and the rate is positive, down toward 1 whenever it is negative, and holds otherwise. None = a fixed pool (no recruitment).", "days",
        "assumption; GUARDIAN-2021 (organised groups studied the controls and found ways around them), MT-2023 (checks and fines deter drivers)",
    )
    guaranteed_recruitment_enforcement: Annotated[float, Field(gt=0, le=1)] = P(
        0.6, "Port enforcement effectiveness (E_port) above which the checks, scanners and fines make complicity stop paying, so gangs no longer recruit drivers and the recruited ones drop out (read only with guaranteed_recruitment_days).", "effectiveness",
        "assumption",
    )
    guaranteed_recruitment_disruption: Annotated[float, Field(ge=0, le=1000)] = P(
        0.0, "Share of the recruited complicit drivers lost per unit rise in port enforcement effectiveness (E_port): each new bout of checks, scanners and fences breaks arrangements that worked, so the recruitment factor's daily rate is lowered by this x the day's rise in E_port (read only with guaranteed_recruitment_days).", "per unit of effectiveness",
        "assumption; GUARDIAN-2021 ('prices went up with each new bout of security spending')",
    )
    guaranteed_displacement: Annotated[float, Field(ge=0, le=100)] = P(
        0.0, "Displacement of complicit drivers' trips to ports outside the scenario's own as its port controls tighten: a share min(1, this x E_port) of the guaranteed lorry places that fail is found at those ports (output detected_other_ports) rather than at the scenario's controls (detected_port_controls). Only where people are counted changes.", "per unit of effectiveness",
        "assumption; REUTERS-2019, RD-2019 (NCA, 2016: stricter controls at Calais moved smugglers to other western European ports; the 2019 Essex lorry came through Zeebrugge), AFP-2015",
    )
    access_fence_share: Prob = P(
        0.0, "Share of the access stage's obstacles (fences, secured parking, patrols: 1 - lorry reach alone) that also stop a gang's access place, before the gang's evasion skill (0: a paid access place always reaches a lorry).", "share",
        "assumption",
    )
    lorry_success_unenforced: Prob = P(
        0.6, "Chance that a guaranteed lorry place (a driver's complicity) succeeds with no port enforcement and normal traffic.", "probability",
        "assumption; higher than lorry.success_unenforced (crossing alone)",
    )
    lorry_max_reduction: Prob = P(
        0.8, "Largest relative cut in paid-lorry success that port enforcement achieves against a gang with no evasion skill.", "share",
    )

    # -- credit --------------------------------------------------------------------------------
    credit_share_max: Prob = P(
        0.3, "Largest share of the price a gang lends to a customer without funds, repaid after arrival (0 = no credit).", "share",
        "Friebel & Guriev 2006 (debt-financed migration); value assumption",
    )
    credit_disutility: Multiplier = P(
        1.0, "Extra disutility of a price paid on credit, per unit of the share borrowed (debt bondage).", "dimensionless",
    )
    escrow_share: Prob = P(
        0.0, "Share of what a customer pays from their own funds that is deposited with a broker and released to the gang only on arrival (the hawala system); when a contract ends without arrival the deposit comes back and the part of the price owed on arrival is not owed.",
        "share", "assumption (0 = everything paid upfront)",
    )
    credit_repaid_share: Prob = P(0.8, "Share of debt a gang recovers after the customer arrives.", "share", "Friebel & Guriev 2006; value assumption")

    # -- entry, exit, dismantling ---------------------------------------------------------------
    entry_cost_eur: Eur = P(
        60_000.0, "Cost of setting up a gang (contacts, vehicles, first boats) with no enforcement.", "EUR",
    )
    entry_cost_enforcement: Multiplier = P(
        2.0, "Relative rise of the entry cost at full enforcement (mean effectiveness of port, beach and intelligence).", "dimensionless",
        "Gochenour 2015; Auriol & Mesnard 2016 (enforcement favours large, established firms)",
    )
    entry_rate_per_day: Prob = P(
        0.05, "Chance per day that one new gang enters when expected profit is twice the entry cost (scaled linearly in between).", "1/day",
    )
    entry_horizon_days: PosDays = P(180.0, "Days of profit a would-be entrant expects (profit per active gang x horizon vs entry cost).", "days")
    exit_patience_days: MemoryDays = P(
        60.0, "A gang whose capital is negative exits; one whose recent profit is negative exits at rate 1 / patience.", "days",
    )
    dismantle_rate_per_year: PerYear = P(
        0.15, "Dismantling hazard of an average-sized gang with no intelligence spending (routine policing).", "1/year",
    )
    dismantle_rate_intelligence_per_year: PerYear = P(
        1.2, "Extra dismantling hazard of an average-sized gang at full intelligence effectiveness.", "1/year",
        "UKFR-2023 (82 groups dismantled Jul 2020-Sep 2023, about 25 a year); OLTIM-2024",
    )
    dismantle_size_exponent: Exponent = P(
        0.5, "Dismantling hazard scales as (gang volume / mean volume) ** exponent: larger gangs are more visible.", "dimensionless",
    )

    # -- adaptation ----------------------------------------------------------------------------
    evasion_investment_share: Prob = P(
        0.05, "Share of revenue a gang invests in studying the controls.", "share",
        "GUARDIAN-2021 ('mafia groups who studied the controls and found ways around them'); value assumption",
    )
    evasion_cost_eur: Annotated[float, Field(gt=0, le=1e12)] = P(
        300_000.0, "Investment that closes 1 - 1/e of the gap to the maximum evasion skill.", "EUR",
    )
    evasion_max: Prob = P(0.6, "Largest evasion skill: the share of an enforcement effect a gang can avoid.", "share")
    evasion_decay_per_year: PerYear = P(
        0.5, "Rate at which evasion skill is lost as the police change their tactics.", "1/year",
    )


class Sea(BaseModel):
    """Small-boat crossings: boat stock, loading, weather, interception, rescue, deaths."""

    model_config = STRICT

    # -- boats and loading ---------------------------------------------------------------------
    rated_capacity: Annotated[float, Field(ge=1, le=1000)] = P(
        10.0, "People a small inflatable boat is built to carry.", "people/boat",
        "MODEL §6 (rated capacity ~10); HO-IRREG (7 people per boat in 2018)",
    )
    max_load: Annotated[float, Field(ge=1, le=1000)] = P(
        80.0, "Most people a boat can physically carry.", "people/boat",
        "HO-IRREG and PRESS-2024-BOATS (53 per boat on average in 2024; loads of 60-70+ reported)",
    )
    kit_cost_eur: EurPerPerson = P(
        6_000.0, "Cost of a boat and engine when supply is undisturbed.", "EUR/boat",
    )
    kit_cost_seizure_effect: Multiplier = P(
        2.0, "Relative rise in the replacement cost of boats per unit of the market-wide share of boats seized (cost x (1 + k x share)).",
        "dimensionless", "assumption (seizures tighten the supply chain)",
    )
    crew_cost_eur: EurPerPerson = P(1_000.0, "Crew (pilot, helpers) per boat launched.", "EUR/boat")
    boat_type_choice: bool = P(
        False, "With [[boat_types]] declared: the gangs buy, each day, the type on sale (share above 0 that day) with the lowest cost per seat at its best load, each type's kit cost raised by its supply_disruption x the enforcement against boats; the declared shares then only say when a type is on sale. Off: the declared shares are the day's mix.",
        "switch", "assumption: a supply-side reading of the rise in people per boat from 7 (2018) to 53 (2024), HO-IRREG, while boats and engines were seized in the thousands, UKFR-2023",
    )
    overload_cost_eur: Annotated[float, Field(gt=0, le=1e7)] = P(
        400.0, "Gang's cost per passenger of loading at rated capacity (time on the beach, capsized boats, lost custom); rises as (load / rated) ** exponent.",
        "EUR/passenger",
    )
    overload_exponent: Annotated[float, Field(gt=0, le=10)] = P(1.0, "Exponent of the overload cost per passenger in load / rated capacity.", "dimensionless")
    safe_house_share: Prob = P(
        0.0, "Share of boat customers whom their gang lodges off-camp (safe houses, hotels, inland cities) from the purchase until it calls them to the coast; they are not camp residents meanwhile.",
        "share", "assumption (0 = customers wait where they were)",
    )
    restock_days: PosDays = P(10.0, "A gang keeps a stock of boats for this many days of expected launches.", "days")
    supply_per_gang_per_day: Annotated[float, Field(ge=0, le=1e4)] = P(
        0.6, "Most boats (with engines) one gang can obtain per day when intelligence spending is nil.", "boats/day",
    )
    supply_disruption: Prob = P(
        0.6, "Relative cut in boat supply at full intelligence effectiveness (suppliers arrested, warehouses raided).", "share",
    )
    min_fill_share: Annotated[float, Field(gt=0, le=1)] = P(
        0.5, "Share of its chosen load a gang waits to have before launching a boat (a boat leaves once this full; with fewer customers they wait for the next viable day, until max_wait_days have passed).", "share",
        "assumption (0.5: a boat leaves once at least half full)",
    )
    max_launches_per_gang_per_day: Annotated[float, Field(ge=0, le=1e4)] = P(
        0.0, "Most boats one gang can launch in a day (pilots, drivers, pick-up points and a stretch of beach are limited); when more customers wait than its launches can carry at its chosen load, it packs more people per boat, up to max_load, and the rest wait (0 = no limit).", "boats/day",
        "assumption (0 = no limit)",
    )
    pool_partial_boats: bool = P(
        False, "A gang whose boat customers cannot fill a boat to min_fill_share of its chosen load hands them to a gang launching from the same stretch of coast that has a boat in stock and cannot fill one either (gangs taken in order: the first with a boat opens a pool, the next ones join it until it fills that boat to min_fill_share, then another opens), which carries them on its boats: many groups sell places, few organise the launches.",
        "flag", "assumption (off: every gang launches only its own customers)",
    )
    max_wait_days: Annotated[int, Field(ge=0, le=HORIZON_MAX_DAYS)] = P(
        3, "Viable days a gang waits for a boat to be at least min_fill_share full before launching it partly filled.", "days",
    )
    stock_seizure_max: Annotated[float, Field(ge=0, lt=1)] = P(
        0.2, "Chance that a prepared boat is seized before launch (cache found, boat slashed) at full beach and intelligence effectiveness, for a gang with no evasion skill (below 1: a boat that is always seized would cost without limit).",
        "probability", "assumption; UKFR-2023 reports boats and engines seized in the thousands",
    )

    # -- launching and interception -------------------------------------------------------------
    beach_interception_max: Prob = P(
        0.7, "Chance a single launching boat is stopped on the beach at full beach effectiveness, for a gang with no evasion skill.",
        "probability", "TIMES-2020 (41% stopped in 2019, ~60% late 2020); HASC-2022 (~50% in 2021, 42.5% in 2022)",
    )
    beach_interception_exponent: Annotated[float, Field(gt=0, le=3)] = P(
        1.0, "Exponent g of beach effectiveness in the interception chance (max x E_beach ** g): below 1 the first patrols stop a large share of launches and more money adds less (launch points spread along the coast and move away from patrols), so the share stopped changes less than the money; 1 is proportional to E_beach.",
        "exponent", "TIMES-2020 and HASC-2022 (41% of attempts stopped in 2019, ~50% in 2021, 42.5% in 2022, as French coast spending rose about tenfold); value assumption",
    )
    congestion_boats: Annotated[float, Field(gt=0, le=1e4)] = P(
        6.0, "Other boats launching at the same time from the same coast site at which the interception chance per boat is halved (patrols overwhelmed).",
        "boats", "Wein, Liu & Motskin 2009 (apprehension depends on crossers per agent); value assumption",
    )
    beach_return_days: Days = P(1.0, "Days before people stopped on the beach are back in a camp.", "days")
    sea_return_days: Days = P(1.0, "Days before people stopped or rescued at sea are back in a camp.", "days")

    # -- weather, distress, rescue, deaths -----------------------------------------------------------
    marginal_weather_share: Prob = P(
        0.2, "Share of viable days with marginal sea conditions (launches happen, risk is higher).", "share",
    )
    distress_probability: Prob = P(
        0.01, "Chance a boat loaded at rated capacity gets into distress in good weather.", "probability",
        "assumption, set so deaths are ~0.01-0.2% of arrivals (HO-PQ-2024, IOM-MMP)",
    )
    distress_overload_effect: Multiplier = P(
        1.0, "Relative rise of the distress chance per rated capacity of extra load (x (1 + k x (load / rated - 1)+)).",
        "dimensionless", "Deiana, Maheshri & Mastrobuoni 2024 (boat quality and loads drive deaths)",
    )
    bad_weather_distress_multiplier: Multiplier = P(4.0, "Multiplier of the distress chance on marginal-weather days.", "dimensionless")
    rescue_share: Prob = P(
        0.95, "Chance that rescuers reach a boat in distress in time when rescue capacity suffices (one draw per boat, so deaths come in events).", "share",
        "assumption; FR-PREMAR (most boats in distress are reached: 4,900-6,310 people rescued a year)",
    )
    distress_death_share_reached: Prob = P(
        0.01, "Chance that a person on a boat in distress dies although rescuers reach it.", "probability",
        "assumption",
    )
    distress_death_share_unreached: Prob = P(
        0.6, "Chance that a person on a boat in distress dies when rescuers do not reach it in time.", "probability",
        "assumption; 27 of ~30 aboard died in the capsizing of 24 Nov 2021 (HO-PQ-2024)",
    )
    rescue_capacity_people_per_day: Annotated[float, Field(ge=0, le=1e8)] = P(
        300.0, "People in distress that rescue services can reach in one day with no money for the sea; beyond it the chance of reaching a boat falls in proportion.",
        "people/day",
    )
    rescue_capacity_sea_effect: Multiplier = P(
        1.0, "Relative rise in rescue capacity at full effectiveness of money for the sea (capacity x (1 + k x E_sea)): patrol boats and aircraft rescue as well as watch.",
        "dimensionless", "assumption",
    )
    rescue_reach_sea_effect: Prob = P(
        0.0, "Share of the gap 1 - rescue_share that money for the sea closes at full effectiveness (patrol boats and aircraft shorten the response): reach = 1 - (1 - rescue_share) x (1 - k x E_sea).",
        "share", "assumption (0 = money for the sea does not change how often boats are reached)",
    )
    capsize_inexperienced: Prob = P(
        0.0, "Chance that a boat leaving the beach capsizes or sinks when no boat has yet crossed the corridor (untried pilots, routes, boats and rescue procedures); it falls as exp(-boats launched so far / capsize_experience_boats). A capsized boat is in distress and its people die with chance capsize_death_share if rescuers reach it.",
        "probability", "assumption (0 = no learning: the distress chance is the same for the first boat as for the ten-thousandth)",
    )
    capsize_experience_boats: Annotated[float, Field(gt=0, le=1e9)] = P(
        300.0, "Boats launched in the whole corridor over which the chance of an untried crossing capsizing falls by a factor e (the corridor's learning from the crossings already made).",
        "boats", "assumption",
    )
    capsize_death_share: Prob = P(
        0.1, "Chance that a person on a capsized boat dies although rescuers reach it (people in the water; if rescuers do not reach it, distress_death_share_unreached applies).",
        "probability", "assumption; reported capsizes that rescuers reached killed a few of those aboard (4 of ~20 off Dunkirk in October 2020, 4 of ~43 in December 2022)",
    )
    launch_crush_max: Prob = P(
        0.0, "Chance of a crush or drowning while a boat is boarded at the water's edge, at full beach effectiveness and a full boat (x E_beach ** (1 + launch_crush_beach_convexity) x (load / max_load) ** launch_crush_load_exponent).",
        "probability", "assumption; IOM-MMP: most 2024 deaths happened at launch in overcrowded boardings",
    )
    launch_crush_load_exponent: Exponent = P(
        6.0, "How steeply the crush risk rises as the load approaches the most a boat can carry.", "dimensionless",
        "assumption",
    )
    launch_crush_beach_convexity: Exponent = P(
        0.0, "How much faster than in proportion the crush risk rises with beach policing: the chance is x E_beach ** (1 + convexity). Above 0, launches stay orderly while patrols cover part of the coast and turn into rushed boardings in the water (boats picking people up from the shallows) only as policing closes most of the beach.",
        "dimensionless", "assumption (0 = proportional to E_beach)",
    )
    launch_crush_death_share: Prob = P(
        0.08, "Chance that a person aboard dies in a crush at launch.", "probability",
        "assumption; IOM-MMP (2024 launch incidents killed 1-8 people of ~50-70 aboard)",
    )
    rescued_to_destination_share: Prob = P(
        0.5, "Share of people rescued in distress who are taken to the destination rather than back.", "share",
        "assumption (boats in distress in the Channel are met by both coastguards)",
    )

    # -- what people believe before they have seen boats cross -------------------------------------
    perceived_death_risk_prior: Prob | None = P(
        None, "Death risk per boat attempt that people believe before observing crossings (none = the "
        "model's own risk at rated capacity, distress_probability x (1 - rescue_share)). Updated with the "
        "deaths and attempts people see.", "probability",
        "assumption (a dinghy across the world's busiest shipping lane was seen as near-suicidal before small-boat crossings began)",
    )
    prior_weight_attempts: Annotated[float, Field(gt=0, le=1e9)] = P(
        2000.0, "Weight of the prior death risk, in boat attempts: how many observed attempts it takes to "
        "move the belief halfway to the observed rate.", "attempts",
    )
    risk_memory_days: MemoryDays = P(365.0, "Time scale over which deaths and attempts at sea are remembered.", "days")
    prior_fade_attempts: Annotated[float, Field(gt=0, le=1e12)] | None = P(
        None, "Boat attempts seen, counted from the first day, over which the prior's weight fades as experience "
        "displaces it: w = prior_weight_attempts x exp(-attempts seen / prior_fade_attempts). None = the prior "
        "never fades; since the attempts seen are themselves forgotten over risk_memory_days, it then keeps a "
        "share of the belief for good.", "attempts",
        "assumption (beliefs held before crossings began give way to what people see; without it the prior is "
        "~70% of the Channel's perceived boat risk in 2022, docs/calibration.md)",
    )
    initial_success_belief: Prob | None = P(
        None, "Success per boat attempt that camps believe on the first day (none = the gangs' expected "
        "success); camps then learn from the attempts they see.", "probability",
    )

    # -- a boat of one's own (no gang) ------------------------------------------------------------
    alone_asc: Utility | None = P(
        None, "Alternative-specific constant of crossing in a boat of one's own, without a gang: an "
        "inflatable dinghy or a kayak bought, or a boat taken from a harbour, launched by the people "
        "aboard from the coast nearest their camp on a day fit for small boats. Its utility is "
        "alone_asc + beta_success x the camp's remembered success of boat crossings - beta_risk x the "
        "perceived boat death risk / risk tolerance + beta_uk_ties x ties - beta_cost x alone_cost_eur "
        "/ 1000; unaffordable without the funds, and not for people holding a paid place. Its attempts, "
        "successes and deaths are seen by everyone, as any boat's. None = nobody crosses this way.",
        "utility",
        "assumption; THELOCAL-2016 (about a dozen rescues of people drifting in inflatable dinghies in "
        "the first half of 2016, none in 2015), NYT-2019 (about 500 people tried in 2018, boats taken "
        "from Boulogne's harbour), THENATIONAL-2021 (kayaks used by people unable to pay a gang)",
    )
    alone_cost_eur: EurPerPerson = P(
        400.0, "What each person pays towards a boat of one's own (a dinghy and a small engine or "
        "paddles, shared by those aboard).", "EUR/person",
        "assumption (a few hundred euros for an inflatable and an outboard shared by three or four)",
    )
    alone_load: Annotated[float, Field(ge=1, le=1000)] = P(
        4.0, "Most people aboard a boat of one's own (households are kept together; a larger household "
        "takes a boat of its own).", "people/boat",
        "THELOCAL-2016 (three people aboard each of the dinghies rescued in June 2016); NYT-2019 (14-17 "
        "aboard the fishing boats taken in 2018)",
    )
    alone_on_gang_coasts: bool = P(
        False, "Whether people may launch a boat of their own from a coast where a gang runs boats (false: "
        "the gang holds that stretch of beach and nobody launches there without paying it).", "flag",
        "TELEGRAPH-2025 (smugglers 'increasingly control' the beaches near Gravelines); INEWS-2024 (a criminal "
        "eco-system along the coast from the Belgian border to the Somme Bay)",
    )
    alone_distress_multiplier: Multiplier = P(
        2.0, "Distress chance of a boat of one's own relative to a gang's boat at the same load (no "
        "pilot, a toy or fishing boat, no planned weather window).", "dimensionless",
        "assumption; THELOCAL-2016 (most 2016 dinghies were found drifting or sinking)",
    )
