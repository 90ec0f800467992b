{#
    Every non-null `from_column` of `from_model` is a value of this column: the relationships
    test seen from the parent, so that it runs with the parent when the child is built earlier.
    Fails with one row per value the parent lacks.
#}
{% test holds_every_value_of(model, column_name, from_model, from_column) %}

    with

    child_values as (

        select distinct {{ from_column }} as value
        from {{ from_model }}
        where {{ from_column }} is not null

    ),

    parent_values as (

        select {{ column_name }} as value
        from {{ model }}

    ),

    final as (

        select child_values.value
        from child_values
        left join parent_values on child_values.value = parent_values.value
        where parent_values.value is null

    )

    select * from final

{% endtest %}
