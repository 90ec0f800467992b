{#-
    Rank of a raw row among the rows landed for the same natural key: 1 is the copy from the
    latest load (then the latest file name, then the last row in it). Every staging model that
    dedupes re-exports or re-deliveries uses this one tie-break.
-#}
{% macro latest_load_rank(partition_by) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by _loaded_at desc, _source_file desc, _row_number desc
    )
{%- endmacro %}
