{#-
    The lake (docs/scale.md): the raw, identity and clv tables as Parquet, one folder per table
    under var('lake_path'), written by `siyu export-lake`. Run before a build
    (`dbt run-operation register_lake_sources`): when var('sources_from_lake') is true (always on
    Spark), every source in those schemas is registered over its folder under its usual name, so
    models and tests read `raw.<table>` alike on every engine.
-#}
{% macro register_lake_sources() -%}
    {%- if execute and sources_from_lake() -%}
        {%- for schema_name, identifiers in lake_source_identifiers().items() -%}
            {%- do run_query(lake_schema_ddl(schema_name)) -%}
            {%- for identifier in identifiers -%}
                {%- set location = lake_table_location(schema_name, identifier) -%}
                {%- for statement in lake_table_ddl(schema_name, identifier, location) -%}
                    {%- do run_query(statement) -%}
                {%- endfor -%}
                {%- do log(schema_name ~ '.' ~ identifier ~ ' <- ' ~ location, info=true) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro sources_from_lake() -%}
    {{ return(target.type == 'spark' or var('sources_from_lake') | string | lower == 'true') }}
{%- endmacro %}

{#- Source identifiers by schema, for the schemas the lake holds. -#}
{% macro lake_source_identifiers() -%}
    {%- set by_schema = {} -%}
    {%- for source_node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- if source_node.schema in var('lake_schemas') -%}
            {%- do by_schema.setdefault(source_node.schema, []).append(source_node.identifier) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(by_schema) }}
{%- endmacro %}

{#- A table's lake folder; a URI's query string (endpoint options for the writer) is dropped. -#}
{% macro lake_table_location(schema_name, identifier) -%}
    {%- set root = var('lake_path').split('?')[0].rstrip('/') -%}
    {{ return(adapter.dispatch('lake_table_location', 'siyu')(root, schema_name, identifier)) }}
{%- endmacro %}

{% macro default__lake_table_location(root, schema_name, identifier) -%}
    {{ return(root ~ '/' ~ schema_name ~ '/' ~ identifier) }}
{%- endmacro %}

{#- Hadoop's S3 connector is s3a://; the writer (pyarrow) and Databricks say s3://. -#}
{% macro spark__lake_table_location(root, schema_name, identifier) -%}
    {%- set hadoop_root = 's3a://' ~ root[5:] if root.startswith('s3://') else root -%}
    {{ return(hadoop_root ~ '/' ~ schema_name ~ '/' ~ identifier) }}
{%- endmacro %}

{% macro lake_schema_ddl(schema_name) -%}
    create schema if not exists {{ schema_name }}
{%- endmacro %}

{#- The statements that make `schema_name.identifier` read the Parquet files at `location`. -#}
{% macro lake_table_ddl(schema_name, identifier, location) -%}
    {{ return(adapter.dispatch('lake_table_ddl', 'siyu')(schema_name, identifier, location)) }}
{%- endmacro %}

{#- DuckDB: a view, so a warehouse file that reads the lake holds no raw rows of its own. -#}
{% macro default__lake_table_ddl(schema_name, identifier, location) -%}
    {{ return([
        "create or replace view " ~ schema_name ~ "." ~ identifier
        ~ " as select * from read_parquet('" ~ location ~ "/*.parquet')"
    ]) }}
{%- endmacro %}

{#- Spark: an external table in the metastore, dropped and created again to pick up a new schema. -#}
{% macro spark__lake_table_ddl(schema_name, identifier, location) -%}
    {{ return([
        "drop table if exists " ~ schema_name ~ "." ~ identifier,
        "create table " ~ schema_name ~ "." ~ identifier
        ~ " using parquet location '" ~ location ~ "'",
    ]) }}
{%- endmacro %}
