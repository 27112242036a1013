"""Runs moto's server handling one request at a time.

moto_server always serves requests on parallel threads, but moto's backends
are not safe for that: a DynamoDB TransactWriteItems that fails restores a
deep copy of the whole table taken when it began, silently undoing writes
made meanwhile by other requests (for example a Step Functions task of a
running execution). Real DynamoDB isolates transactions; serving requests one
after another restores that. Step Functions executions still run on their own
threads and call back over HTTP, so nothing waits on itself.

It also keeps the AWSTraceHeader of a message sent with SendMessageBatch:
moto 5.2.5 keeps a message's system attributes on SendMessage but drops
them from a batch, where SQS keeps them; the daily delivery sends its shards
and jobs in batches, each carrying its trace.
"""
import argparse
import os

from werkzeug.serving import run_simple

from moto.sqs.models import SQSBackend

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

_send_message_batch = SQSBackend.send_message_batch


def send_message_batch_keeping_system_attributes(self, queue_name, entries):
    messages, failed = _send_message_batch(self, queue_name, entries)
    by_id = {entry["Id"]: entry for entry in entries.values()}
    for message in messages:
        attributes = by_id[message.user_id].get("MessageSystemAttributes")
        if attributes:
            message.system_attributes = attributes
    return messages, failed


SQSBackend.send_message_batch = send_message_batch_keeping_system_attributes

parser = argparse.ArgumentParser()
parser.add_argument("-H", "--host", default="127.0.0.1")
parser.add_argument("-p", "--port", type=int, required=True)
args = parser.parse_args()
os.environ.setdefault("MOTO_PORT", str(args.port))

app = DomainDispatcherApplication(create_backend_app)
run_simple(args.host, args.port, app, threaded=False, request_handler=MotoRequestHandler)
