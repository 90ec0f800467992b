{#-
    The records of `record_rows` grouped by the identifiers they carry (`identifier_columns`):
    one row per distinct identifier set with its first record (`first_record`, a struct of its
    observed_at, source_file, source_row and record_key as first_at, first_file, first_row,
    first_key, compared in that order), its last observed_at and how many records carry
    it. A weekly contact list repeats each contact's identifiers every week: grouping first
    keeps the identity graph's input at one row per identifier set instead of one per sighting.
    Rows that already stand for several records (spans of a contact list) name the columns
    holding their last observation and their record count in `last_observed_column` and
    `record_count_column`.
-#}
{% macro identifier_set_groups(
    record_rows, identifier_columns, last_observed_column='observed_at', record_count_column=none
) -%}
    select
        source_system,
        source_table,
        {{ identifier_columns | join(', ') }},
        min({{ ordered_struct([
            ('first_at', 'observed_at'),
            ('first_file', 'source_file'),
            ('first_row', 'source_row'),
            ('first_key', 'record_key'),
        ]) }}) as first_record,
        max({{ last_observed_column }}) as last_observed_at,
        {% if record_count_column -%}
            cast(sum({{ record_count_column }}) as bigint) as record_count
        {%- else -%}
            count(*) as record_count
        {%- endif %}
    from {{ record_rows }}
    group by source_system, source_table, {{ identifier_columns | join(', ') }}
{%- endmacro %}

{#-
    A struct of (name, expression) pairs, compared field by field in order: `min()` of it is the
    first row by those fields, and its fields are read back as `struct_column.name`.
-#}
{% macro ordered_struct(fields) -%}
    {{ return(adapter.dispatch('ordered_struct', 'siyu')(fields)) }}
{%- endmacro %}

{% macro default__ordered_struct(fields) -%}
    {
    {%- for name, expression in fields -%}
        '{{ name }}': {{ expression }}{{ ', ' if not loop.last }}
    {%- endfor -%}
    }
{%- endmacro %}

{% macro spark__ordered_struct(fields) -%}
    named_struct(
    {%- for name, expression in fields -%}
        '{{ name }}', {{ expression }}{{ ', ' if not loop.last }}
    {%- endfor -%}
    )
{%- endmacro %}
