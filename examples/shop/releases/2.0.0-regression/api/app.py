"""Release 2.0.0 of the shop's order API, with a regression on purpose: one
request in five fails. The demo and the rollout tests deploy it
(`--code api=examples/shop/releases/2.0.0-regression/api`) to watch a canary
fail its gate and roll back.

The rest of the release is the order API as it is (`shop_api.py` links to
src/api/app.py and is packaged as a copy), so this file is the whole diff.
"""

import shop_api

_served = 0


def handler(event, context):
    global _served
    _served += 1
    if _served % 5 == 0:
        raise RuntimeError("regression: every fifth request fails")
    return shop_api.handler(event, context)
