"""The arithmetic of learning from outcomes, pure so it can be checked by hand.

- `wilson_interval`: a rate's 95% confidence interval that stays honest at small counts and at 0%
  (the plain ± formula says "0% ± 0%" after 3 sends; Wilson says "somewhere between 0% and 56%").
- `score_predicts`: does a higher ICP score mean more replies? Measured as the chance that a lead who
  replied scored higher than one who did not (the Mann–Whitney AUC, 0.5 = a coin toss), with its
  z-value, and said in plain words; below a minimum of sends and replies it says "not enough data yet"
  instead of guessing.
- `suggest_weights`: per rule factor, the reply rate of leads that match it against those that do not
  (a two-proportion z-test), and the weight change that follows: more points for a factor that clearly
  predicts replies, fewer for one that makes no difference, none for one that points the wrong way.
- `recommend_order`: the email finders sorted by cost per delivered email, where a finder with too
  little data keeps its place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

Z95 = 1.959963984540054
MIN_SENT = 100          # below this many sends, the calibration does not judge the score
MIN_REPLIES = 10        # ... nor below this many replies
MIN_GROUP = 30          # a factor's matching / not-matching group needs this many sends to be compared
MIN_DELIVERED = 20      # a finder needs this many sent emails before it is ranked
MAX_WEIGHT = 50


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of successes/n; (0, 1) when nothing was tried."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes out of {n} is not a rate")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: int, n: int) -> float | None:
    return successes / n if n else None


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


@dataclass(frozen=True)
class Predictiveness:
    """Whether the score predicts replies: the verdict a person reads, and the numbers behind it."""
    state: str                  # not_enough_data | predicts | no_relation | reversed
    verdict: str
    sent: int
    replies: int
    auc: float | None = None    # P(a replier scored higher than a non-replier); 0.5 = no relation
    z: float | None = None


def mann_whitney_auc(scores_replied: Sequence[float], scores_not: Sequence[float]) -> tuple[float, float]:
    """(AUC, z) of the Mann–Whitney U test with ties counted half and the tie-corrected variance."""
    n1, n0 = len(scores_replied), len(scores_not)
    if not n1 or not n0:
        raise ValueError("both groups need at least one lead")
    values = sorted([(s, 1) for s in scores_replied] + [(s, 0) for s in scores_not])
    ranks_replied = 0.0
    tie_term = 0.0
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j][0] == values[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2
        ranks_replied += average_rank * sum(1 for k in range(i, j) if values[k][1] == 1)
        t = j - i
        tie_term += t ** 3 - t
        i = j
    u = ranks_replied - n1 * (n1 + 1) / 2
    n = n1 + n0
    variance = n1 * n0 / 12 * ((n + 1) - tie_term / (n * (n - 1))) if n > 1 else 0.0
    z = (u - n1 * n0 / 2) / math.sqrt(variance) if variance > 0 else 0.0
    return u / (n1 * n0), z


def score_predicts(scores_replied: Sequence[float], scores_not: Sequence[float],
                   min_sent: int = MIN_SENT, min_replies: int = MIN_REPLIES) -> Predictiveness:
    sent, replies = len(scores_replied) + len(scores_not), len(scores_replied)
    if sent < min_sent or replies < min_replies:
        return Predictiveness("not_enough_data", (
            f"Not enough data yet: {sent:,} sent and {replies:,} replies with a score; the verdict needs at least "
            f"{min_sent:,} sent and {min_replies:,} replies."), sent, replies)
    auc, z = mann_whitney_auc(scores_replied, scores_not)
    share = f"a lead who replied had the higher score {auc * 100:.0f}% of the time (50% would be chance)"
    if z >= Z95 and auc > 0.5:
        return Predictiveness("predicts", f"Yes: the score predicts replies; {share}.", sent, replies, auc, z)
    if z <= -Z95:
        return Predictiveness("reversed", f"No: higher scores reply less; {share}. Review the ICP rules.",
                              sent, replies, auc, z)
    return Predictiveness("no_relation", f"Not clearly: replies do not follow the score; {share}.",
                          sent, replies, auc, z)


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    """z of rate A − rate B with the pooled standard error; 0 when it cannot be computed."""
    if not n_a or not n_b:
        return 0.0
    pooled = (hits_a + hits_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return (hits_a / n_a - hits_b / n_b) / se if se > 0 else 0.0


@dataclass(frozen=True)
class FactorOutcome:
    """A rule factor's leads split by whether they match the ICP on it."""
    factor: str
    weight: int
    matched_sent: int
    matched_replies: int
    other_sent: int
    other_replies: int


@dataclass
class WeightAdvice:
    factor: str
    current: int
    suggested: int
    state: str                  # raise | lower | turn_off | keep | not_enough_data
    reason: str
    matched_rate: float | None = None
    other_rate: float | None = None
    z: float = 0.0
    numbers: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> bool:
        return self.suggested != self.current


def _round5(value: float) -> int:
    return int(5 * round(value / 5))


def suggest_weights(factors: Sequence[FactorOutcome], min_group: int = MIN_GROUP) -> list[WeightAdvice]:
    """One piece of advice per factor. A factor whose matching leads reply clearly more (z ≥ 1.96)
    gets half its points again (at most 50); one that makes no clear difference gets half (at least 5);
    one whose matching leads reply clearly less is turned off (0) so it stops pulling good leads down.
    With fewer than `min_group` sends on either side, the factor keeps its weight and the advice says so."""
    out = []
    for f in factors:
        numbers = {"matched_sent": f.matched_sent, "matched_replies": f.matched_replies,
                   "other_sent": f.other_sent, "other_replies": f.other_replies}
        mine, other = rate(f.matched_replies, f.matched_sent), rate(f.other_replies, f.other_sent)
        said = f"matching leads reply {pct(mine)} ({f.matched_replies}/{f.matched_sent}), others {pct(other)} " \
               f"({f.other_replies}/{f.other_sent})"
        if f.matched_sent < min_group or f.other_sent < min_group:
            out.append(WeightAdvice(f.factor, f.weight, f.weight, "not_enough_data",
                                    f"not enough data to judge ({said}; {min_group} sends needed on each side)",
                                    mine, other, 0.0, numbers))
            continue
        z = two_proportion_z(f.matched_replies, f.matched_sent, f.other_replies, f.other_sent)
        if z >= Z95:
            new = min(MAX_WEIGHT, max(f.weight + 5, _round5(f.weight * 1.5)))
            state, why = "raise", f"it predicts replies: {said}"
        elif z <= -Z95:
            new, state, why = 0, "turn_off", f"it points the wrong way: {said}"
        else:
            new = max(5, _round5(f.weight * 0.5))
            state, why = "lower", f"it makes no clear difference: {said}"
        if new == f.weight:
            state = "keep"
        out.append(WeightAdvice(f.factor, f.weight, new, state, why, mine, other, z, numbers))
    return out


@dataclass(frozen=True)
class FinderQuality:
    """One email finder's record in a workspace: cost of every call it answered (found or not) for the
    leads in scope, and how many of its emails were sent and delivered."""
    finder: str
    sent: int
    delivered: int
    cost_usd: float

    @property
    def cost_per_delivered(self) -> float | None:
        return self.cost_usd / self.delivered if self.delivered else None

    @property
    def bounce_rate(self) -> float | None:
        return rate(self.sent - self.delivered, self.sent)


@dataclass(frozen=True)
class OrderAdvice:
    current: list[str]
    recommended: list[str]
    kept: list[str]             # finders that kept their place for lack of data
    reason: str

    @property
    def changes(self) -> bool:
        return self.current != self.recommended


def recommend_order(current: Sequence[str], quality: Sequence[FinderQuality],
                    min_delivered: int = MIN_DELIVERED) -> OrderAdvice:
    """The current order with the places of well-measured finders re-filled cheapest per delivered
    email first (a finder whose every email bounced is the dearest of all); finders with fewer than
    `min_delivered` sends keep their place."""
    by_name = {q.finder: q for q in quality}
    measured = [f for f in current if f in by_name and by_name[f].sent >= min_delivered]
    kept = [f for f in current if f not in measured]

    def cost(name: str) -> tuple[float, int]:
        per = by_name[name].cost_per_delivered
        return (math.inf if per is None else per, current.index(name))

    ranked = iter(sorted(measured, key=cost))
    recommended = [next(ranked) if f in measured else f for f in current]
    if len(measured) < 2:
        reason = "Not enough data yet to rank the finders: each needs at least " \
                 f"{min_delivered} sent emails it found."
    else:
        reason = "Cheapest per delivered email first: " + ", ".join(
            f"{f} ${by_name[f].cost_per_delivered:.4f}" if by_name[f].cost_per_delivered is not None
            else f"{f} (every email bounced)" for f in sorted(measured, key=cost)) + "."
        if kept:
            reason += f" Kept in place for lack of data: {', '.join(kept)}."
    return OrderAdvice(list(current), recommended, kept, reason)
