{#-
    Materialization `connected_components`: the model selects the edges of an undirected graph as
    integer pairs (node_id, neighbour_id); the table built holds (node_id, component_id) for every
    node of an edge, component_id being the smallest node_id of its connected component.

    Label propagation with hooking and pointer jumping (the min-label scheme of Shiloach-Vishkin
    style algorithms), one create-table-as per round (Parquet tables on Spark cannot be updated):
    each node takes the smallest label among itself and its neighbours and hands it to the node
    its label names, then takes the label of that node. Labels only fall and always name a node of
    the same component, so a round that changes nothing leaves every component labelled by its
    smallest node; hooking and jumping collapse label chains, so a chain of n nodes takes about
    log2(n) rounds, not n. var('oneid_max_rounds') caps the rounds: hitting it is an error.
    The SQL that DuckDB and Spark spell differently sits in dispatched macros; the rest is
    portable as written.
-#}
{% materialization connected_components, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set max_rounds = var('oneid_max_rounds') | int -%}
    {%- set edges = component_work_relation('edges') -%}
    {%- set labels = [component_work_relation('labels_0')] -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- do drop_relation_if_exists(edges) -%}
    {%- do run_query(create_table_as(False, edges, component_edges_sql(sql))) -%}
    {%- do drop_relation_if_exists(labels[0]) -%}
    {%- do run_query(create_table_as(False, labels[0], component_initial_labels_sql(edges))) -%}

    {%- set state = {'rounds': 0, 'changed': 1} -%}
    {%- for round_number in range(1, max_rounds + 1) if state.changed > 0 -%}
        {%- set next_labels = component_work_relation('labels_' ~ round_number) -%}
        {%- do drop_relation_if_exists(next_labels) -%}
        {%- do run_query(create_table_as(
            False, next_labels, component_round_sql(edges, labels[-1])
        )) -%}
        {%- do state.update({
            'rounds': round_number,
            'changed': component_labels_changed(labels[-1], next_labels),
        }) -%}
        {%- do drop_relation_if_exists(labels[-1]) -%}
        {%- do labels.append(next_labels) -%}
    {%- endfor -%}
    {%- if state.changed > 0 -%}
        {%- do exceptions.raise_compiler_error(
            this.identifier ~ ': labels still changed after ' ~ max_rounds ~ ' rounds ('
            ~ state.changed ~ ' nodes in the last); raise var oneid_max_rounds or look for a'
            ~ ' degenerate graph'
        ) -%}
    {%- endif -%}
    {%- do log(
        this.identifier ~ ': labels settled after ' ~ state.rounds ~ ' rounds', info=true
    ) -%}

    {%- do drop_relation_if_exists(target_relation) -%}
    {%- call statement('main') -%}
        {{ create_table_as(False, target_relation,
            'select node_id, label as component_id from ' ~ labels[-1]) }}
    {%- endcall -%}
    {%- do drop_relation_if_exists(labels[-1]) -%}
    {%- do drop_relation_if_exists(edges) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- A work table beside the model, named after it: `<model>__<suffix>`. -#}
{% macro component_work_relation(suffix) -%}
    {{ return(this.incorporate(
        path={'identifier': this.identifier ~ '__' ~ suffix}, type='table'
    )) }}
{%- endmacro %}

{#- Both directions of every edge, so a round reads a node's neighbours from one column. -#}
{% macro component_edges_sql(edges_sql) -%}
    with pairs as (
        {{ edges_sql }}
    )
    select node_id, neighbour_id from pairs
    union all
    select neighbour_id as node_id, node_id as neighbour_id from pairs
{%- endmacro %}

{#- Round 0: each node's smallest label among itself and its neighbours. -#}
{% macro component_initial_labels_sql(edges) -%}
    select node_id, least(node_id, min(neighbour_id)) as label
    from {{ edges }}
    group by node_id
{%- endmacro %}

{#-
    One round: each node takes the smallest label among its neighbours (propagation) and hands it
    to the node its label names as well (hooking: without it the smallest label can only crawl
    one edge per round back along a chain labelled the other way), then takes its label's label
    (pointer jumping).
-#}
{% macro component_round_sql(edges, labels) -%}
    with neighbour_labels as (
        select
            edges.node_id,
            min(labels.label) as label
        from {{ edges }} as edges
        inner join {{ labels }} as labels on edges.neighbour_id = labels.node_id
        group by edges.node_id
    ),

    proposed as (
        select
            labels.node_id,
            least(labels.label, neighbour_labels.label) as label
        from {{ labels }} as labels
        inner join neighbour_labels on labels.node_id = neighbour_labels.node_id
        union all
        select
            labels.label as node_id,
            neighbour_labels.label
        from {{ labels }} as labels
        inner join neighbour_labels on labels.node_id = neighbour_labels.node_id
    ),

    hooked as (
        select
            node_id,
            min(label) as label
        from proposed
        group by node_id
    )

    select
        hooked.node_id,
        least(hooked.label, label_of_label.label) as label
    from hooked
    inner join hooked as label_of_label on hooked.label = label_of_label.node_id
{%- endmacro %}

{#- How many nodes a round gave another label: 0 ends the loop. -#}
{% macro component_labels_changed(before, after) -%}
    {%- set changed = run_query(
        'select count(*) from ' ~ after ~ ' as after_round inner join ' ~ before
        ~ ' as before_round on after_round.node_id = before_round.node_id'
        ~ ' where after_round.label <> before_round.label'
    ) -%}
    {{ return(changed.columns[0].values()[0] | int) }}
{%- endmacro %}
