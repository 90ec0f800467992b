"""WeCom (企业微信) data: customer contacts (callbacks and the periodic full list) and customer
groups (snapshots, change callbacks and daily message statistics)."""
