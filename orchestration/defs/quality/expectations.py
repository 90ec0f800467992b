"""The great-expectations suites of quality/expectations as blocking asset checks on dbt assets.

Staging checks run once the dbt step that builds staging has finished and hold back the next dbt
step (the models after OneID), hence every mart and the publish step; the fct_orders check holds
back the CLV scores and what follows; the dim_customers checks hold back the publish step.
docs/quality.md says exactly what gates what.
"""

from collections.abc import Iterator

import dagster as dg

from ingestion.business_days import business_today
from orchestration.defs.resources import WarehouseResource
from quality.expectations import marts, staging
from quality.expectations.config import QualityConfig, load_config
from quality.expectations.engine import warehouse_datasource
from quality.expectations.results import GateOutcome

STAGING_DESCRIPTIONS = {
    staging.FRESHNESS_CHECK: "The newest business date of the model lags the run date by at "
    "most max_lag_days (config/quality.toml).",
    staging.VOLUME_CHECK: "The latest load of the raw table lands at least min_ratio of the "
    "median rows of the loads before it; with too few earlier loads it passes and says so.",
    staging.NULLS_CHECK: "Each key column's share of nulls among the latest load's rows stays "
    "within its max_null_share.",
    staging.REFERENCES_CHECK: "Every value of the latest load's reference columns exists in "
    "its reference table (e.g. POS store ids in the seed channel_codes).",
}
MART_DESCRIPTIONS = {
    marts.ORDER_VALUES_CHECK: "Mean, median and 90th percentile of paid_amount over the last "
    "window_days of paid sales stay within fixed bounds or a band around recent passed runs.",
    marts.CUSTOMER_COUNT_CHECK: "dim_customers has at most max_drop fewer rows than at the "
    "previous passed run.",
    marts.ORDER_BUYERS_CHECK: "Every oneid of fct_orders is a customer of dim_customers.",
}
ORDERS_KEY = dg.AssetKey(["marts", marts.ORDERS_MODEL])
CUSTOMERS_KEY = dg.AssetKey(["marts", marts.CUSTOMERS_MODEL])


def staging_key(model: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", model])


def check_result(outcome: GateOutcome, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.check_name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=outcome.metadata,
    )


def build_staging_checks(config: QualityConfig) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            name,
            asset=staging_key(suite.model),
            blocking=True,
            description=STAGING_DESCRIPTIONS[name],
        )
        for suite in config.staging
        for name in staging.staging_check_names(suite)
    ]

    @dg.multi_asset_check(
        name="staging_expectations",
        specs=specs,
        can_subset=True,
        pool="duckdb_writer",
        description="great-expectations suites on the staging models (config/quality.toml).",
    )
    def staging_expectations(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = warehouse.settings()
        selected = context.selected_asset_check_keys
        config = load_config()
        suites = [s for s in config.staging if _wanted(selected, staging_key(s.model))]
        with warehouse_datasource(settings.warehouse_path) as datasource:
            as_of = staging.run_date(
                datasource, suites, demo=settings.is_demo, today=business_today()
            )
            for suite in suites:
                for outcome in staging.check_staging_suite(datasource, suite, config, as_of):
                    key = dg.AssetCheckKey(staging_key(suite.model), outcome.check_name)
                    if key in selected:
                        yield check_result(outcome, staging_key(suite.model))

    return staging_expectations


def _wanted(selected, asset_key: dg.AssetKey) -> bool:
    return any(key.asset_key == asset_key for key in selected)


@dg.asset_check(
    asset=ORDERS_KEY,
    name=marts.ORDER_VALUES_CHECK,
    blocking=True,
    pool="duckdb_writer",
    description=MART_DESCRIPTIONS[marts.ORDER_VALUES_CHECK],
)
def paid_order_values(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse_datasource(warehouse.settings().warehouse_path) as datasource:
        outcome = marts.check_order_values(datasource, load_config(), context.run.run_id)
    return check_result(outcome, ORDERS_KEY)


@dg.multi_asset_check(
    name="dim_customers_expectations",
    specs=[
        dg.AssetCheckSpec(
            marts.CUSTOMER_COUNT_CHECK,
            asset=CUSTOMERS_KEY,
            blocking=True,
            description=MART_DESCRIPTIONS[marts.CUSTOMER_COUNT_CHECK],
        ),
        dg.AssetCheckSpec(
            marts.ORDER_BUYERS_CHECK,
            asset=CUSTOMERS_KEY,
            # fct_orders is built in an earlier dbt step; the check reads both
            additional_deps=[ORDERS_KEY],
            blocking=True,
            description=MART_DESCRIPTIONS[marts.ORDER_BUYERS_CHECK],
        ),
    ],
    can_subset=True,
    pool="duckdb_writer",
)
def dim_customers_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    selected = {key.name for key in context.selected_asset_check_keys}
    config = load_config()
    with warehouse_datasource(warehouse.settings().warehouse_path) as datasource:
        if marts.ORDER_BUYERS_CHECK in selected:
            yield check_result(marts.check_order_buyers(datasource), CUSTOMERS_KEY)
        if marts.CUSTOMER_COUNT_CHECK in selected:
            outcome = marts.check_customer_count(datasource, config, context.run.run_id)
            yield check_result(outcome, CUSTOMERS_KEY)


def build_defs() -> dg.Definitions:
    """Reads config/quality.toml (or $SIYU_QUALITY_CONFIG) for the list of staging suites."""
    return dg.Definitions(
        asset_checks=[
            build_staging_checks(load_config()),
            paid_order_values,
            dim_customers_expectations,
        ]
    )


defs = build_defs()
