{#-
    The channel code (渠道编码) that brought a customer's first paid order: platform ads buy
    platform orders, a mall order carries its own code, a live session is named by its day and a
    store by its till QR code. Null when none applies. Shared by the CAC and LTV:CAC marts.
-#}
{% macro acquisition_channel_code(orders, platform_channels, store_codes) -%}
    case
        when {{ platform_channels }}.channel_code is not null
            then {{ platform_channels }}.channel_code
        when {{ orders }}.channel = 'mall' then {{ orders }}.channel_code
        when {{ orders }}.channel = 'live'
            then
                'live_' || {{ dbt.replace(
                    'cast(' ~ orders ~ '.paid_date as ' ~ dbt.type_string() ~ ')', "'-'", "''"
                ) }}
        when {{ orders }}.channel = 'pos' then {{ store_codes }}.channel_code
    end
{%- endmacro %}
