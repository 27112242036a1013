"""Runs moto's server handling one request at a time.

moto_server always serves requests on parallel threads, but moto's backends
are not safe for that: a DynamoDB TransactWriteItems that fails restores a
deep copy of the whole table taken when it began, silently undoing writes
made meanwhile by other requests (for example a Step Functions task of a
running execution). Real DynamoDB isolates transactions; serving requests one
after another restores that. Step Functions executions still run on their own
threads and call back over HTTP, so nothing waits on itself.

Connections are still accepted and read on threads of their own, and only
the handling of a request holds the lock: a client that opens a connection
and sends nothing on it (Go keeps one when a request is cancelled while it
dials) would otherwise hold up every other client until it gave up.

It also keeps the AWSTraceHeader of a message sent with SendMessageBatch:
moto 5.2.5 keeps a message's system attributes on SendMessage but drops
them from a batch, where SQS keeps them; the daily delivery sends its shards
and jobs in batches, each carrying its trace.
"""
import argparse
import os
import threading

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

moto_app = DomainDispatcherApplication(create_backend_app)
one_at_a_time = threading.Lock()


def app(environ, start_response):
    # The whole answer is made under the lock: a response's body may be
    # produced as it is iterated.
    with one_at_a_time:
        return [b"".join(moto_app(environ, start_response))]


run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
