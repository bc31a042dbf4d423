"""Release 2.0.1 of the shop's order API: 2.0.0's regression fixed. The demo
and the rollout tests deploy it (`--code api=examples/shop/releases/2.0.1/api`)
after 2.0.0 rolled back, to watch a good release promote through both waves.

The order API itself is `shop_api.py` (a link to src/api/app.py, packaged as a
copy); this file is the whole diff, as in 2.0.0.
"""

import shop_api


def handler(event, context):
    return shop_api.handler(event, context)
