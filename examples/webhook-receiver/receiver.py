"""A minimal DialNexa webhook receiver: verify the delivery, act on it, answer 2xx.

Run it: `DIALNEXA_WEBHOOK_SECRET=... uvicorn receiver:app --port 8080`
"""

import os

from dialnexa_client.models import CallEndedEvent
from dialnexa_client.webhooks import WebhookError, verify
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SECRET = os.environ["DIALNEXA_WEBHOOK_SECRET"]  # the endpoint's secret


async def dialnexa_webhook(request: Request) -> Response:
    try:
        # The raw body, before any JSON parsing: the signature covers its exact bytes.
        event = verify(await request.body(), request.headers, SECRET)
    except WebhookError as refused:
        return Response(str(refused), status_code=400)  # not genuine: never acted on
    if isinstance(event, CallEndedEvent):
        call = event.payload.call
        print(f"{call.id} ended: {call.status}, {call.hangup_reason}")  # your work here
    # Answer quickly (queue slow work): no 2xx within the endpoint's timeout means a retry.
    return Response(status_code=204)


app = Starlette(routes=[Route("/webhooks/dialnexa", dialnexa_webhook, methods=["POST"])])
