{#
    The combination of `combination_of_columns` is unique in the model (a compound primary key).
    Fails with one row per duplicated combination. Pair it with not_null on each column.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

    {%- set columns_csv = combination_of_columns | join(', ') %}

    with

    grouped as (

        select
            {{ columns_csv }},
            count(*) as n_records
        from {{ model }}
        group by {{ columns_csv }}

    ),

    final as (

        select * from grouped
        where n_records > 1

    )

    select * from final

{% endtest %}
