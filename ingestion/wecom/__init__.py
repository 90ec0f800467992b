"""WeCom (企业微信) customer contact data: callbacks and the periodic full contact list."""
