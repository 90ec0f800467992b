{#
    Every row satisfies `expression` (a boolean SQL expression over the model's columns).
    Fails with the rows where it is false. A null result counts as a pass, as in dbt_utils;
    write `coalesce(…, false)` to make nulls fail. Restrict rows with `config: where:`.
    Usable on a model or on a column (the column is then only a label).
#}
{% test expression_is_true(model, expression, column_name=none) %}

    with

    final as (

        select * from {{ model }}
        where not ({{ expression }})

    )

    select * from final

{% endtest %}
