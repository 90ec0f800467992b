{#-
    identity/minting.py's rounds, unrolled: each round proposes 'C' + 20 hex digits of md5 of the
    anchor (salted `anchor#<round>` after the first) for every component still unnamed, and keeps
    a proposal that is neither in the registry nor held by another component, named or proposing.
    Each round reads only the one before, so Spark inlines a chain, not a tree of CTEs.
-#}
{%- set salt_rounds = var('oneid_max_salt_rounds') | int -%}

with

unnamed as (

    select
        component_id,
        anchor
    from {{ ref('int_identity__components_carried_over') }}
    where kept_oneid is null

),

registered_ids as (

    select distinct oneid from {{ ref('int_identity__oneids_registered') }}

),

named_0 as (

    select
        component_id,
        anchor,
        cast(null as {{ dbt.type_string() }}) as oneid
    from unnamed

),

{% for salt_round in range(salt_rounds) %}
    {%- set salted_anchor = "named.anchor" ~ (" || '#" ~ salt_round ~ "'" if salt_round else "") %}

    proposed_{{ salt_round }} as (

        select
            named.component_id,
            named.anchor,
            named.oneid,
            case
                when named.oneid is null
                    then 'C' || substr(md5({{ salted_anchor }}), 1, 20)
            end as proposal
        from named_{{ salt_round }} as named

    ),

    -- an id handed out before, or proposed or held twice in this run, is tried again with a salt
    checked_{{ salt_round }} as (

        select
            proposed.component_id,
            proposed.anchor,
            proposed.oneid,
            proposed.proposal,
            registered_ids.oneid is not null as registered_before,
            count(*) over (partition by coalesce(proposed.oneid, proposed.proposal)) as holders
        from proposed_{{ salt_round }} as proposed
        left join registered_ids on proposed.proposal = registered_ids.oneid

    ),

    named_{{ salt_round + 1 }} as (

        select
            component_id,
            anchor,
            case
                when oneid is null and not registered_before and holders = 1 then proposal
                else oneid
            end as oneid
        from checked_{{ salt_round }}

    ),

{% endfor %}

-- a component still unnamed after every round fails the oneid not_null test, as Python raises
final as (

    select
        component_id,
        oneid
    from named_{{ salt_rounds }}

)

select * from final
