{#-
    The WeCom friendship of every person with a relationship (fct_wecom_relationships): guides
    befriended now, the owning guide, the first add and the ended relationships.
-#}

with

wecom_relationships as (

    select * from {{ ref('fct_wecom_relationships') }}

),

relationship_counts as (

    select
        oneid,
        count(distinct case when is_current then guide_userid end) as active_guide_count,
        min(valid_from) as first_wecom_added_at,
        sum(case when is_current then 0 else 1 end) as relationships_ended
    from wecom_relationships
    where oneid is not null
    group by oneid

),

-- the owning guide has the longest current relationship: the earliest start still open
owning_guide_ranked as (

    select
        oneid,
        guide_userid,
        row_number() over (
            partition by oneid
            order by valid_from, guide_userid
        ) as guide_rank
    from wecom_relationships
    where is_current and oneid is not null

),

owning_guide as (

    select * from owning_guide_ranked
    where guide_rank = 1

),

final as (

    select
        relationship_counts.oneid,
        relationship_counts.active_guide_count,
        owning_guide.guide_userid as owning_guide_userid,
        relationship_counts.first_wecom_added_at,
        relationship_counts.relationships_ended
    from relationship_counts
    left join owning_guide on relationship_counts.oneid = owning_guide.oneid

)

select * from final
