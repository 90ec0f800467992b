{#- The NPS counts of a group of answer sheets: every sheet counts, a person twice if twice. -#}
{% macro nps_counts() -%}
    count(*) as responses,
    count(distinct customer_key) as respondents,
    sum(case when nps_category = 'promoter' then 1 else 0 end) as promoters,
    sum(case when nps_category = 'passive' then 1 else 0 end) as passives,
    sum(case when nps_category = 'detractor' then 1 else 0 end) as detractors
{%- endmacro %}

{#- The typed counts and the scores derived from them (净推荐值 = 100 × promoter − detractor share). -#}
{% macro nps_scores() -%}
    cast(responses as bigint) as responses,
    cast(respondents as bigint) as respondents,
    cast(promoters as bigint) as promoters,
    cast(passives as bigint) as passives,
    cast(detractors as bigint) as detractors,
    cast(promoters as double) / responses as promoter_rate,
    cast(detractors as double) / responses as detractor_rate,
    100.0 * cast(promoters - detractors as double) / responses as nps
{%- endmacro %}
