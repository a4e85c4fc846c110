"""gunicorn settings for Roster in production: `gunicorn -c gunicorn.conf.py` (gunicorn also reads
this file by itself when started from the repository root).

Live pages hold a Server-Sent Events stream open for as long as they are shown, and a stream
holds a thread while it waits. So: gthread workers with many threads (an idle stream is a thread
asleep on a condition, a few kB of memory and no CPU), and at most LIVE_MAX_STREAMS streams per
process so that threads are always left for ordinary requests (beyond it a stream is refused
with 503 and the page simply is not live). bench/README.md measures 200 open live tables.

Environment: WEB_CONCURRENCY (processes), GUNICORN_THREADS (threads per process),
LIVE_MAX_STREAMS (streams per process), and gunicorn's own GUNICORN_CMD_ARGS (e.g. --bind).
"""

import os
import signal
import threading

wsgi_app = "roster:create_app()"
worker_class = "gthread"
# Without REDIS_URL a change is announced to the streams of its own process only: one process.
workers = int(os.environ.get("WEB_CONCURRENCY", "2" if os.environ.get("REDIS_URL") else "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "320"))
# A quarter of the threads (4 at least) is kept free of streams, for ordinary requests.
os.environ.setdefault("LIVE_MAX_STREAMS", str(max(threads - max(threads // 4, 4), 0)))
# Idle streams and kept-alive connections wait in the poller or on a condition, not in a thread
# of their own, but every stream counts as a connection.
worker_connections = 1000
keepalive = 5
# A stopping worker ends its streams at once (below); ordinary requests get this long to finish.
graceful_timeout = 10
# No control socket: several servers on one machine would share its one default path.
control_socket_disable = True


def post_worker_init(worker):
    """On SIGTERM (a restart, a deploy) end this worker's streams at once, instead of letting
    them hold the worker for graceful_timeout: each browser reconnects by itself (to another
    worker or machine) and resumes after its Last-Event-ID."""
    from roster.live.hub import close_all

    stop = worker.handle_exit

    def handle_exit(sig, frame):
        # Not in the signal handler itself: it may interrupt a thread holding a hub's lock.
        threading.Thread(target=close_all, name="live-close").start()
        stop(sig, frame)

    signal.signal(signal.SIGTERM, handle_exit)
