"""The rule-based ICP scorer: an explainable 0–100 score, vectorised over Polars so a million people
score in seconds. Five factors, each worth points when the client's rules name it:

    seniority 30 · title keywords 20 · vertical 20 · headcount range 15 · country 15

A factor the client did not configure drops out (the rest are scaled to 100); a factor the lead has
no data for earns 40% of its points and lowers the confidence. An exclusion (title keyword, company
domain) scores 0. Every score comes with the reasons behind it.

A workspace may change a factor's points (`weights`, e.g. after the ICP calibration showed which
factors predict replies); 0 turns a factor off. Unset factors keep the defaults below.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, Field, field_validator, model_validator

from outsignal_pipelines.domain.normalize import normalize_country
from outsignal_pipelines.domain.vocabulary import SENIORITIES, VERTICALS

WEIGHTS = {"seniority": 30, "title": 20, "vertical": 20, "headcount": 15, "country": 15}
UNKNOWN_SHARE = 0.4
SCORER_NAME = "rules"


class IcpRules(BaseModel):
    """A workspace's structured ICP. Every list is optional; empty means 'not a criterion'."""

    seniorities: list[str] = Field(default_factory=list)
    title_keywords: list[str] = Field(default_factory=list)
    verticals: list[str] = Field(default_factory=list)
    headcount_min: int | None = Field(default=None, ge=0)
    headcount_max: int | None = Field(default=None, ge=0)
    countries: list[str] = Field(default_factory=list)
    exclude_title_keywords: list[str] = Field(default_factory=list)
    exclude_domains: list[str] = Field(default_factory=list)
    weights: dict[str, int] = Field(default_factory=dict)   # factor → points, overriding WEIGHTS

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [k for k in value if k not in WEIGHTS]
        if bad:
            raise ValueError(f"unknown factor {bad}; choose from {', '.join(WEIGHTS)}")
        if any(not 0 <= v <= 100 for v in value.values()):
            raise ValueError("a factor's weight must be between 0 and 100")
        return value

    def weight(self, factor: str) -> int:
        """The points a factor is worth for this workspace (its default unless the workspace changed it)."""
        return self.weights.get(factor, WEIGHTS[factor])

    @field_validator("seniorities")
    @classmethod
    def _seniorities(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in SENIORITIES]
        if bad:
            raise ValueError(f"unknown seniority {bad}; choose from {', '.join(SENIORITIES)}")
        return value

    @field_validator("verticals")
    @classmethod
    def _verticals(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in VERTICALS]
        if bad:
            raise ValueError(f"unknown vertical {bad}; choose from the 23 verticals")
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        codes = []
        for v in value:
            code = normalize_country(v)
            if code is None:
                raise ValueError(f"unknown country {v!r}")
            codes.append(code)
        return codes

    @field_validator("title_keywords", "exclude_title_keywords", "exclude_domains")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value if v and v.strip()]

    @model_validator(mode="after")
    def _range(self) -> IcpRules:
        if self.headcount_min is not None and self.headcount_max is not None and self.headcount_min > self.headcount_max:
            raise ValueError("headcount_min is larger than headcount_max")
        return self

    def active(self) -> dict[str, int]:
        factors = {
            "seniority": bool(self.seniorities), "title": bool(self.title_keywords), "vertical": bool(self.verticals),
            "headcount": self.headcount_min is not None or self.headcount_max is not None,
            "country": bool(self.countries),
        }
        return {name: self.weight(name) for name, on in factors.items() if on and self.weight(name) > 0}


SCORE_INPUT_SCHEMA = {"person_id": pl.Int64, "job_title": pl.String, "seniority": pl.String, "vertical": pl.String,
                      "headcount": pl.Int64, "country": pl.String, "company_domain": pl.String}


def _factor(known: pl.Expr, hit: pl.Expr, weight: int, yes: pl.Expr, no: pl.Expr, unknown: str):
    points = pl.when(~known).then(weight * UNKNOWN_SHARE).when(hit).then(float(weight)).otherwise(0.0)
    reason = pl.when(~known).then(pl.lit(unknown)).when(hit).then(yes).otherwise(no)
    return points, reason, known


def score_frame(people: pl.DataFrame, rules: IcpRules) -> pl.DataFrame:
    """person_id, score (0–100), reasoning, confidence for every row. Pure and vectorised."""
    df = people.select([pl.col(c).cast(t) if c in people.columns else pl.lit(None, dtype=t).alias(c)
                        for c, t in SCORE_INPUT_SCHEMA.items()])
    active = rules.active()
    if not active:
        return df.select("person_id", pl.lit(50).alias("score"),
                         pl.lit("no ICP rules configured for this workspace").alias("reasoning"),
                         pl.lit("low").alias("confidence"))
    title = pl.col("job_title").str.to_lowercase()
    parts = []
    conditions = _conditions(rules)
    if "seniority" in active:
        known, hit = conditions["seniority"]
        parts.append(_factor(known, hit, active["seniority"],
                             pl.col("seniority") + pl.lit(" is a target seniority"),
                             pl.col("seniority") + pl.lit(" is not a target seniority"), "seniority unknown"))
    if "title" in active:
        matched = title.str.extract(_keyword_pattern(rules.title_keywords), 1)
        known, hit = conditions["title"]
        parts.append(_factor(known, hit, active["title"],
                             pl.lit("title mentions '") + matched + pl.lit("'"),
                             pl.lit("title has none of the target keywords"), "no job title"))
    if "vertical" in active:
        known, hit = conditions["vertical"]
        parts.append(_factor(known, hit, active["vertical"], pl.col("vertical") + pl.lit(" is a target vertical"),
                             pl.col("vertical") + pl.lit(" is outside the target verticals"), "vertical unknown"))
    if "headcount" in active:
        low, high = _headcount_range(rules)
        span = f"{low:,}–{high:,}" if rules.headcount_max is not None else f"{low:,}+"
        known, hit = conditions["headcount"]
        parts.append(_factor(known, hit, active["headcount"],
                             pl.col("headcount").cast(pl.String) + pl.lit(f" staff is within {span}"),
                             pl.col("headcount").cast(pl.String) + pl.lit(f" staff is outside {span}"),
                             "headcount unknown"))
    if "country" in active:
        known, hit = conditions["country"]
        parts.append(_factor(known, hit, active["country"], pl.col("country") + pl.lit(" is a target country"),
                             pl.col("country") + pl.lit(" is not a target country"), "country unknown"))
    total_weight = float(sum(active.values()))
    raw = pl.sum_horizontal([p for p, _, _ in parts]) / total_weight * 100
    known_share = pl.sum_horizontal([k.cast(pl.Int32) for _, _, k in parts]) / len(parts)
    reasoning = pl.concat_str([r for _, r, _ in parts], separator="; ", ignore_nulls=True)

    excluded = pl.lit(False)
    exclusion_reason = pl.lit(None, dtype=pl.String)
    if rules.exclude_title_keywords:
        hit = title.str.extract(_keyword_pattern(rules.exclude_title_keywords), 1)
        excluded = excluded | hit.is_not_null()
        exclusion_reason = pl.when(hit.is_not_null()).then(pl.lit("excluded: title mentions '") + hit + pl.lit("'"))
    if rules.exclude_domains:
        domain_hit = pl.col("company_domain").is_in(rules.exclude_domains)
        excluded = excluded | domain_hit
        exclusion_reason = pl.coalesce(exclusion_reason, pl.when(domain_hit).then(
            pl.lit("excluded: company ") + pl.col("company_domain") + pl.lit(" is on the exclusion list")))
    return df.select(
        "person_id",
        pl.when(excluded).then(0).otherwise(raw.round(0)).cast(pl.Int32).clip(0, 100).alias("score"),
        pl.when(excluded).then(exclusion_reason).otherwise(reasoning).alias("reasoning"),
        pl.when(excluded).then(pl.lit("high"))
        .when(known_share >= 0.8).then(pl.lit("high"))
        .when(known_share >= 0.5).then(pl.lit("medium"))
        .otherwise(pl.lit("low")).alias("confidence"),
    )


def _headcount_range(rules: IcpRules) -> tuple[int, int]:
    low = rules.headcount_min if rules.headcount_min is not None else 0
    high = rules.headcount_max if rules.headcount_max is not None else 10**9
    return low, high


def _conditions(rules: IcpRules) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """(known, hit) per configured factor: the one definition of what 'matches the ICP' means, shared by
    the scorer and by the calibration that asks which factors predict replies."""
    out: dict[str, tuple[pl.Expr, pl.Expr]] = {}
    if rules.seniorities:
        out["seniority"] = (pl.col("seniority").is_not_null() & (pl.col("seniority") != "Unknown"),
                            pl.col("seniority").is_in(rules.seniorities))
    if rules.title_keywords:
        matched = pl.col("job_title").str.to_lowercase().str.extract(_keyword_pattern(rules.title_keywords), 1)
        out["title"] = (pl.col("job_title").is_not_null(), matched.is_not_null())
    if rules.verticals:
        out["vertical"] = (pl.col("vertical").is_not_null(), pl.col("vertical").is_in(rules.verticals))
    if rules.headcount_min is not None or rules.headcount_max is not None:
        low, high = _headcount_range(rules)
        out["headcount"] = (pl.col("headcount").is_not_null(), pl.col("headcount").is_between(low, high))
    if rules.countries:
        out["country"] = (pl.col("country").is_not_null(), pl.col("country").is_in(rules.countries))
    return out


def factor_matches(people: pl.DataFrame, rules: IcpRules) -> pl.DataFrame:
    """person_id and, per configured factor (whatever its weight), True (matches the ICP), False (does
    not) or null (no data): what the calibration compares reply rates across."""
    df = people.select([pl.col(c).cast(t) if c in people.columns else pl.lit(None, dtype=t).alias(c)
                        for c, t in SCORE_INPUT_SCHEMA.items()])
    return df.select("person_id", *[pl.when(known).then(hit.fill_null(False)).otherwise(None).alias(name)
                                    for name, (known, hit) in _conditions(rules).items()])


def _keyword_pattern(keywords: list[str]) -> str:
    """Whole-word matches only ('cto' must not match 'director'); keywords are literal text."""
    import re

    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return f"(?:^|[^a-z0-9])({alternatives})(?:$|[^a-z0-9])"


GREEN_FROM, AMBER_FROM = 70, 40
# How every face names the bands (pages, CLI, chat replies): written once, next to the rule.
BAND_RANGES = {"green": f"≥{GREEN_FROM}", "amber": f"{AMBER_FROM}–{GREEN_FROM - 1}", "grey": f"<{AMBER_FROM}",
               "unscored": "unscored"}


def band(score: int | None) -> str:
    """The colour band the UI shows: ≥70 green, 40–69 amber, <40 grey."""
    if score is None:
        return "unscored"
    return "green" if score >= GREEN_FROM else "amber" if score >= AMBER_FROM else "grey"


def bands_line(counts: dict[str, int]) -> str:
    """'≥70: 12, 40–69: 30, <40: 8' for a distribution of bands."""
    return ", ".join(f"{BAND_RANGES[b]}: {counts.get(b, 0)}" for b in ("green", "amber", "grey"))
