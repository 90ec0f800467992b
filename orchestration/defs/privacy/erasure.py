"""The `erasure` job: `siyu erase` from the Dagster UI or API (docs/privacy.md).

Dagster stores a run's config in its run storage, so an identifier typed into the launchpad
would outlive the erasure it asked for. The job therefore takes each identifier as an
environment variable reference, `{"env": "SIYU_ERASE_PHONE"}`, and refuses a literal value.
"""

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from privacy.erasure import REQUEST_TYPES, ErasureRequest
from privacy.procedure import erase_person

ERASE_OP = "erase_person"


class LiteralIdentifierError(dg.Failure):
    pass


def requested(config: dict, submitted: dict) -> ErasureRequest:
    """The one identifier of the request; `submitted` is the run config as the launcher gave
    it, where every identifier must be an {"env": ...} reference."""
    given = [name for name in REQUEST_TYPES if config.get(name)]
    if len(given) != 1:
        raise dg.Failure(f"give exactly one of {', '.join(REQUEST_TYPES)}; got {len(given)}")
    name = given[0]
    if not isinstance(submitted.get(name), dict):
        raise LiteralIdentifierError(
            description=f"{name} was given as a literal value, which Dagster keeps in its run "
            f'storage: launch again with {{"{name}": {{"env": "SIYU_ERASE_{name.upper()}"}}}} '
            "and delete this run, or use `siyu erase` (docs/privacy.md)."
        )
    return ErasureRequest(name, config[name])


@dg.op(
    name=ERASE_OP,
    config_schema={
        name: dg.Field(dg.Noneable(dg.StringSource), is_required=False, default_value=None)
        for name in REQUEST_TYPES
    },
    description="Erase one person: registry, raw, quarantine, models, identity, compaction, "
    "last good copy, BI file and Parquet, logs and Dagster storage; then verify. Counts only.",
    pool="duckdb_writer",
)
def erase_person_op(context: dg.OpExecutionContext, warehouse: WarehouseResource):
    submitted = context.run.run_config.get("ops", {}).get(ERASE_OP, {}).get("config", {})
    request = requested(context.op_config, submitted)
    outcome = erase_person(
        warehouse.settings(), request, run_id=context.run_id, log=context.log.info
    )
    context.log.info(f"erasure: {outcome.as_metadata()}")
    if not outcome.complete:
        raise dg.Failure(
            description="The erasure left traces (table names and counts in the metadata)",
            metadata={**outcome.as_metadata(), **outcome.remaining_by_table},
        )
    return dg.Output(None, metadata=outcome.as_metadata())


@dg.job(
    name="erasure",
    description="PIPL art. 47: erase the person one identifier names (phone, unionid, openid, "
    "external_userid or oneid, each as {env: VAR}) everywhere siyu keeps data.",
)
def erasure_job():
    erase_person_op()


defs = dg.Definitions(jobs=[erasure_job])
