-- identity/stable_ids.py's carry-over: which previous OneID, if any, each component keeps

with

previous_map as (

    select * from {{ previous_identity_relation('oneid_map') }}

),

registered as (

    select * from {{ ref('int_identity__oneids_registered') }}

),

clustered as (

    {{ component_of_each_identifier() }}

),

-- the anchor names the component whatever the node numbering: its smallest `type:value`
anchors as (

    select
        component_id,
        min(identifier_type || ':' || identifier_value) as anchor
    from clustered
    group by component_id

),

carried as (

    select
        previous_map.oneid as previous_oneid,
        clustered.component_id,
        count(*) as carried_identifiers
    from clustered
    inner join previous_map
        on
            clustered.identifier_type = previous_map.identifier_type
            and clustered.identifier_value = previous_map.identifier_value
    group by previous_map.oneid, clustered.component_id

),

-- a previous id stays with the component holding most of its identifiers; ties: smallest anchor
keeper_ranks as (

    select
        carried.previous_oneid,
        carried.component_id,
        row_number() over (
            partition by carried.previous_oneid
            order by carried.carried_identifiers desc, anchors.anchor asc
        ) as keeper_rank
    from carried
    inner join anchors on carried.component_id = anchors.component_id

),

-- a component keeping several previous ids is a merge: the oldest survives, ties by id
survivor_ranks as (

    select
        keeper_ranks.component_id,
        keeper_ranks.previous_oneid,
        row_number() over (
            partition by keeper_ranks.component_id
            order by registered.created_at asc nulls last, keeper_ranks.previous_oneid asc
        ) as survivor_rank
    from keeper_ranks
    left join registered on keeper_ranks.previous_oneid = registered.oneid
    where keeper_ranks.keeper_rank = 1

),

final as (

    select
        anchors.component_id,
        anchors.anchor,
        survivor_ranks.previous_oneid as kept_oneid
    from anchors
    left join survivor_ranks
        on
            anchors.component_id = survivor_ranks.component_id
            and survivor_ranks.survivor_rank = 1

)

select * from final
