{#-
    Rank of a raw row among the rows landed for the same natural key: 1 is the latest copy.
    Latest means: the source's own recency first when it has one (`order_first`, e.g.
    ['updated_at desc'] where an API says when a record last changed), then the date in the
    file's path (a re-export dated later wins even if an older one is backfilled after it),
    then the latest load, the latest file name and the last row in it. Every staging model that
    dedupes re-exports or re-deliveries uses this one tie-break.
-#}
{% macro latest_load_rank(partition_by, order_first=[]) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by {% for expression in order_first %}{{ expression }}, {% endfor -%}
        {{ path_date('_source_file') }} desc,
        _loaded_at desc, _source_file desc, _row_number desc
    )
{%- endmacro %}

{#- The first yyyymmdd in a file path, as text ('' when none): the file's export date. -#}
{% macro path_date(path_column) -%}
    {{ return(adapter.dispatch('path_date', 'siyu')(path_column)) }}
{%- endmacro %}

{% macro default__path_date(path_column) -%}
    regexp_extract({{ path_column }}, '(20[0-9]{6})', 1)
{%- endmacro %}

{% macro spark__path_date(path_column) -%}
    regexp_extract({{ path_column }}, '(20[0-9]{6})', 1)
{%- endmacro %}

{#-
    The latest copy of every natural key in `relation` (a CTE or a relation), ranked by
    `latest_load_rank`: the body of a staging model's `latest` CTE. Most keys arrive once, so
    only keys landed more than once are ranked (a window over every row ran out of memory at 1M
    customers); keys are counted by a 64-bit hash of the key (a collision only sends a few more
    rows to the ranking, which is exact), and the ranking carries only the key, the ordering and
    the row's lineage (load, load time, file, row): with the key, they name the winning rows to
    read back whole (null-safe: a unit test's rows may leave the load out).
    Pass the source relation itself where there is one: `relation` is read four times, and DuckDB
    materialises a CTE read more than once, whole (46M contact-list rows spilled 16 GB).
    `repeated_keys`, when given, is a relation of those key hashes (column `key_hash`) built once
    by `repeated_key_hashes`: for a view read more than once, the count is its largest cost.
-#}
{% macro latest_copies(relation, partition_by, order_first=[], repeated_keys=none) -%}
    with repeated_keys as (
        {%- if repeated_keys is not none %}
        select key_hash from {{ repeated_keys }}
        {%- else %}
        {{ repeated_key_hashes(relation, partition_by) }}
        {%- endif %}
    ),

    ranked_copies as (
        select
            {{ key_hash(partition_by, 'copies') }} as key_hash,
            copies._load_id,
            copies._loaded_at,
            copies._source_file,
            copies._row_number,
            {{ latest_load_rank(partition_by, order_first) }} as load_rank
        from {{ relation }} as copies
        semi join repeated_keys
            on {{ key_hash(partition_by, 'copies') }} = repeated_keys.key_hash
    ),

    latest_of_repeated as (
        select
            ranked_copies.key_hash,
            ranked_copies._load_id,
            ranked_copies._loaded_at,
            ranked_copies._source_file,
            ranked_copies._row_number
        from ranked_copies
        where ranked_copies.load_rank = 1
    )

    select singles.*
    from {{ relation }} as singles
    anti join repeated_keys
        on {{ key_hash(partition_by, 'singles') }} = repeated_keys.key_hash
    union all
    select winners.*
    from {{ relation }} as winners
    semi join latest_of_repeated
        on
            {{ key_hash(partition_by, 'winners') }} = latest_of_repeated.key_hash
            and winners._load_id is not distinct from latest_of_repeated._load_id
            and winners._loaded_at is not distinct from latest_of_repeated._loaded_at
            and winners._source_file is not distinct from latest_of_repeated._source_file
            and winners._row_number is not distinct from latest_of_repeated._row_number
{%- endmacro %}

{#- The hash of every natural key landed more than once in `relation`, with its copy count. -#}
{% macro repeated_key_hashes(relation, partition_by) -%}
    select
        {{ key_hash(partition_by) }} as key_hash,
        count(*) as copy_count
    from {{ relation }}
    group by all
    having count(*) > 1
{%- endmacro %}

{#- A 64-bit hash of `columns` (of `alias` when given); equal keys, nulls included, hash equal. -#}
{% macro key_hash(columns, alias=none) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append(alias ~ '.' ~ column if alias else column) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('key_hash', 'siyu')(qualified)) }}
{%- endmacro %}

{% macro default__key_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__key_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{#- The yyyymmdd date in a source file's path as a DATE; null when the path carries none. -#}
{% macro path_export_date(path_column) -%}
    {%- set file_date = path_date(path_column) -%}
    cast(
        nullif(
            substring({{ file_date }}, 1, 4)
            || '-' || substring({{ file_date }}, 5, 2)
            || '-' || substring({{ file_date }}, 7, 2),
            '--'
        ) as date
    )
{%- endmacro %}
