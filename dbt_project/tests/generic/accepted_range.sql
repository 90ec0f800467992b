{#
    Every non-null value of `column_name` lies within [min_value, max_value] (or the open
    interval when inclusive=false). Either bound may be left out.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error(
            "accepted_range on " ~ model ~ "." ~ column_name ~ " needs min_value or max_value"
        ) }}
    {%- endif -%}

    {%- set lower_op = '>=' if inclusive else '>' -%}
    {%- set upper_op = '<=' if inclusive else '<' -%}

    with

    checked as (

        select
            {{ column_name }} as checked_value
        from {{ model }}
        where {{ column_name }} is not null

    ),

    final as (

        select * from checked
        where
            not (
                true
                {%- if min_value is not none %}
                    and checked_value {{ lower_op }} {{ min_value }}
                {%- endif %}
                {%- if max_value is not none %}
                    and checked_value {{ upper_op }} {{ max_value }}
                {%- endif %}
            )

    )

    select * from final

{% endtest %}
