"""Rasa's memory while web chat connections come and go (socket.io channel), and where it goes.

Starts Rasa + the action server the way the bot does (``bot.wiring.running_services``), then opens
``--connections`` one-question conversations, ``--concurrency`` at a time, each: Engine.IO open, Socket.IO
connect, ``session_request``, one ``user_uttered``, answer, close. Every ``--step`` connections it prints
Rasa's RSS and what a probe inside Rasa counts (a ``sitecustomize`` hook this bench puts on Rasa's
PYTHONPATH, run on SIGUSR1): Engine.IO sockets, Socket.IO environ/rooms, asyncio tasks, gc objects by type,
and with ``--tracemalloc N`` the top allocation sites growing between the first and the last probe.

Client modes (``--mode``):
  ws        websocket from the start, closed without a Socket.IO disconnect (a tab closed);
  ws41      websocket from the start, "41" (Socket.IO disconnect) sent before closing;
  upgrade   polling first, then the websocket upgrade (probe), as socket.io-client 3.x does; no "41".
``--via proxy`` goes through the bot's web server (bot/web/proxy.py) instead of straight to Rasa.
``--engineio '{"ping_interval": 5}'`` overrides Rasa's Engine.IO settings (probe hook, for comparison).

``--rate N`` caps new connections a second; ``SIO_PROBE_CHAIN=WebsocketImplProtocol`` in the environment
prints how some objects of that type are still reachable (referrer chains).

What it showed (2026-11-30, Rasa 3.6.21, sanic 21.12.2, python-engineio 4.15.1; 2 cores): no leak. Rasa's
RSS rises for the first ~30 s of traffic, then stays flat (30,000 connections at ~75/s: 584 → 629 MB after
3,000, 638.4 after 18,000, 638.7 after 30,000); 35 s after the last connection nothing of them is left
(no Engine.IO socket, no task, fewer gc objects than before). What is held meanwhile: every closed
connection stays reachable for up to 30 s from sanic's ``HttpProtocol.check_timeouts`` timer
(rescheduled every min(REQUEST_TIMEOUT 60, KEEP_ALIVE_TIMEOUT 120, RESPONSE_TIMEOUT)/2 = 30 s; it holds
the whole websocket protocol) and its Engine.IO socket for 25 s from the ``_send_ping`` task
(ping_interval), so the plateau is ~(new connections a second) x 30 s x ~20 KB: +11 MB at 19/s, +54 MB
at 75/s. "41" before closing, polling-then-upgrade and the bot's proxy change nothing;
SANIC_REQUEST_TIMEOUT=10 in Rasa's environment (5 s timer) lowers the plateau to +31 MB at 85/s.

Run: .venv/bin/python -m bench.sio_memory [--connections 12000] [--mode ws] [--via direct]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from bench.reply_latency import rss_mb
from bench.sio import SocketChat
from bench.web_latency import PATHS, web_settings
from bot import wiring
from bot.faq import load_faq
from bot.runner import prepare_model
from bot.web.limits import RateLimit, WebLimits
from bot.web.server import WebChatServer
from bot.wiring import running_services

REPO = Path(__file__).resolve().parents[1]

PROBE_HOOK = r'''
"""Memory probe for `rasa run` (bench/sio_memory.py): SIGUSR1 writes probe-<n>.json (+ .tm)."""
import os

def _argv():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []

_DIR = os.environ.get("SIO_PROBE_DIR")
_ARGS = _argv()
if _DIR and "run" in _ARGS and "actions" not in _ARGS:
    import collections, gc, json, signal
    _FRAMES = int(os.environ.get("SIO_PROBE_TRACEMALLOC") or 0)
    if _FRAMES:
        import tracemalloc
        tracemalloc.start(_FRAMES)
    _ENGINEIO = json.loads(os.environ.get("SIO_PROBE_ENGINEIO") or "{}")
    if _ENGINEIO:
        import socketio
        _init = socketio.AsyncServer.__init__
        def _patched_init(self, *args, **kwargs):
            kwargs.update(_ENGINEIO)
            _init(self, *args, **kwargs)
        socketio.AsyncServer.__init__ = _patched_init
    _count = [0]

    def _rss():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def _probe(signum, frame):
        import asyncio, sys
        _count[0] += 1
        out = {"rss_before_gc": _rss()}
        out["gc_unreachable"] = gc.collect()
        out["rss"] = _rss()
        objects = gc.get_objects()
        counts = collections.Counter(
            f"{type(o).__module__}.{type(o).__qualname__}" for o in objects)
        out["gc_objects"] = len(objects)
        out["types"] = dict(counts.most_common(80))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            tasks = asyncio.all_tasks(loop)
            out["tasks"] = dict(collections.Counter(
                getattr(t.get_coro(), "__qualname__", repr(t.get_coro())) for t in tasks))
        sanic_app = sys.modules.get("sanic.app")
        if sanic_app is not None:
            out["sanic"] = {
                name: {k: app.config.get(k) for k in
                       ("REQUEST_TIMEOUT", "KEEP_ALIVE_TIMEOUT", "RESPONSE_TIMEOUT")}
                for name, app in sanic_app.Sanic._app_registry.items()
            }
        eio = sys.modules.get("engineio.async_server")
        sio = sys.modules.get("socketio.async_server")
        for o in objects:
            if eio is not None and isinstance(o, eio.AsyncServer):
                out["eio_sockets"] = len(o.sockets)
                out["eio_sockets_closed"] = sum(1 for s in o.sockets.values() if s.closed)
                out["eio_ping"] = [o.ping_interval, o.ping_timeout]
                out["eio_task_refs"] = len(getattr(eio, "task_reference_holder", ()))
            if sio is not None and isinstance(o, sio.AsyncServer):
                m = o.manager
                out["sio_environ"] = len(o.environ)
                out["sio_rooms"] = {ns: len(r) for ns, r in m.rooms.items()}
                out["sio_eio_to_sid"] = len(m.eio_to_sid)
                out["sio_pending_disconnect"] = {ns: len(r) for ns, r in m.pending_disconnect.items()}
                out["sio_callbacks"] = len(m.callbacks)
                out["sio_binary"] = len(o._binary_packet)
        chain_type = os.environ.get("SIO_PROBE_CHAIN")
        if chain_type:
            out["chains"] = _chains(objects, chain_type)
        del objects
        if _FRAMES:
            import tracemalloc
            out["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
            tracemalloc.take_snapshot().dump(os.path.join(_DIR, f"probe-{_count[0]}.tm"))
        path = os.path.join(_DIR, f"probe-{_count[0]}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(out, f)
        os.replace(path + ".tmp", path)

    def _chains(objects, type_name, samples=3, depth=12):
        """How some objects of ``type_name`` are still reachable: referrer chains up to a Task/module."""
        import asyncio, sys, types
        found = [o for o in objects if type(o).__qualname__ == type_name]
        chains = []
        ignore = {id(objects), id(found), id(sys._getframe())}
        for target in found[:: max(1, len(found) // samples)][:samples]:
            # breadth-first over referrers, back towards something long-lived
            parents = {id(target): None}
            frontier = [target]
            end = None
            for _ in range(depth):
                nxt = []
                for obj in frontier:
                    for ref in gc.get_referrers(obj):
                        own_frame = isinstance(ref, types.FrameType) and ref.f_code.co_name in (
                            "_chains", "_probe")
                        if id(ref) in parents or id(ref) in ignore or own_frame:
                            continue
                        parents[id(ref)] = obj
                        if isinstance(ref, (asyncio.Task, types.ModuleType)) or (
                                isinstance(ref, dict) and ref.get("__name__") in sys.modules):
                            end = ref
                            break
                        nxt.append(ref)
                    if end is not None:
                        break
                if end is not None or not nxt:
                    break
                frontier = nxt[:2000]
            path = []
            node = end
            while node is not None:
                desc = type(node).__qualname__
                if isinstance(node, asyncio.Task):
                    desc += ":" + getattr(node.get_coro(), "__qualname__", "?")
                elif isinstance(node, types.MethodType):
                    desc += ":" + node.__func__.__qualname__
                elif isinstance(node, types.FrameType):
                    desc += ":" + node.f_code.co_name
                elif isinstance(node, dict) and "__name__" in node:
                    desc += ":" + str(node["__name__"])
                path.append(desc)
                node = parents.get(id(node))
            chains.append(" <- ".join(reversed(path)) if end is not None
                          else f"no root found ({len(parents)} seen)")
        return {"count": len(found), "chains": chains}

    signal.signal(signal.SIGUSR1, _probe)
'''


class ClosingChat(SocketChat):
    """``SocketChat`` that says goodbye first: Socket.IO disconnect ("41"), then the websocket close."""

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.send_str("41")
        await super().__aexit__(*exc)


class UpgradingChat(SocketChat):
    """Polling first, then the websocket upgrade, as socket.io-client 3.x (the widget) connects."""

    async def __aenter__(self) -> UpgradingChat:
        self._session = aiohttp.ClientSession()
        headers = {"Origin": self.origin} if self.origin else {}
        base = self.url.replace("ws", "http", 1).split("?")[0]
        polling = f"{base}?EIO=4&transport=polling"
        async with self._session.get(f"{polling}&t={uuid.uuid4().hex[:7]}", headers=headers) as resp:
            opening = await resp.text()
        if not opening.startswith("0"):
            raise RuntimeError(f"not an Engine.IO open packet: {opening[:80]}")
        sid = json.loads(opening[1:])["sid"]
        polling += f"&sid={sid}"
        async with self._session.post(polling, data="40", headers=headers) as resp:
            if (posted := await resp.text()).lower() != "ok":
                raise RuntimeError(f"polling POST refused: {resp.status} {posted[:80]}")
        async with self._session.get(polling, headers=headers) as resp:
            connected = await resp.text()
        if not connected.startswith("40"):
            raise RuntimeError(f"Socket.IO connect refused: {connected[:80]}")
        pending = asyncio.create_task(self._poll(polling, headers))  # the widget keeps one GET open
        ws_url = self.url.replace("transport=websocket", f"transport=websocket&sid={sid}")
        self._ws = await self._session.ws_connect(ws_url, headers=headers, autoping=True)
        await self._ws.send_str("2probe")
        if (answer := await self._ws.receive_str()) != "3probe":
            raise RuntimeError(f"no probe answer: {answer[:80]}")
        if (noop := await asyncio.wait_for(pending, 10)) != "6":
            raise RuntimeError(f"the pending poll did not end with a noop: {noop[:80]}")
        await self._ws.send_str("5")  # upgrade
        self._reader = asyncio.create_task(self._read())
        await self.emit("session_request", {"session_id": self.session_id})
        kind, _ = await asyncio.wait_for(self._events.get(), 10)
        if kind != "session_confirm":
            raise RuntimeError(f"expected session_confirm, got {kind}")
        return self

    async def _poll(self, url: str, headers: dict[str, str]) -> str:
        assert self._session is not None
        async with self._session.get(url, headers=headers) as resp:
            return await resp.text()


CLIENTS: dict[str, type[SocketChat]] = {"ws": SocketChat, "ws41": ClosingChat, "upgrade": UpgradingChat}


class Probe:
    """SIGUSR1 to Rasa, then the probe's JSON (written by the hook)."""

    def __init__(self, folder: Path, pid: int) -> None:
        self.folder = folder
        self.pid = pid
        self.count = 0

    async def take(self) -> dict[str, Any]:
        self.count += 1
        path = self.folder / f"probe-{self.count}.json"
        os.kill(self.pid, signal.SIGUSR1)
        for _ in range(1200):
            if path.exists():
                return dict(json.loads(path.read_text()))
            await asyncio.sleep(0.05)
        raise RuntimeError("the probe in Rasa did not answer (hook not loaded?)")


async def connections(
    base: str, client: type[SocketChat], questions: list[str], count: int, at_once: int, rate: float = 0
) -> int:
    """``count`` one-question conversations, ``at_once`` at a time (at most ``rate`` new ones a second
    when set); returns how many got an answer."""
    answered = 0
    queue = iter(range(count))
    started = time.monotonic()

    async def worker() -> None:
        nonlocal answered
        for number in queue:
            if rate:
                await asyncio.sleep(max(0.0, started + number / rate - time.monotonic()))
            async with client(base, origin=base) as chat:
                if await chat.ask(questions[number % len(questions)]):
                    answered += 1

    await asyncio.gather(*(worker() for _ in range(at_once)))
    return answered


def growth(first: dict[str, Any], last: dict[str, Any], top: int = 12) -> list[str]:
    a, b = first["types"], last["types"]
    diff = sorted(((b.get(k, 0) - a.get(k, 0), k) for k in set(a) | set(b)), reverse=True)
    return [f"{k} +{d}" for d, k in diff[:top] if d > 0]


def short(probe: dict[str, Any]) -> str:
    keys = ("eio_sockets", "eio_sockets_closed", "sio_environ", "sio_rooms", "sio_eio_to_sid", "gc_objects")
    tasks = sum(probe.get("tasks", {}).values())
    return (
        " ".join(f"{k}={probe.get(k)}" for k in keys)
        + f" tasks={tasks}"
        + (f" traced={probe['traced_mb']:.1f}MB" if "traced_mb" in probe else "")
    )


async def run(args: argparse.Namespace, questions: list[str], folder: Path) -> None:
    paths = PATHS
    settings = web_settings(folder)
    model = prepare_model(settings, paths)
    hook = folder / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(PROBE_HOOK)
    probes = folder / "probes"
    probes.mkdir()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
    os.environ["SIO_PROBE_DIR"] = str(probes)
    os.environ["SIO_PROBE_TRACEMALLOC"] = str(args.tracemalloc)
    os.environ["SIO_PROBE_ENGINEIO"] = args.engineio
    client = CLIENTS[args.mode]
    wiring.WEB_MAX_CONVERSATIONS = args.keep  # trackers level off early; the channel's memory is measured
    async with running_services(settings, paths, start_rasa=True, model=model) as services:
        assert services.rasa_server is not None and services.rasa_server.process is not None
        pid = services.rasa_server.process.pid
        probe = Probe(probes, pid)
        web = None
        base = settings.rasa_url
        if args.via == "proxy":
            roomy = WebLimits(
                RateLimit(burst=10**6, per_second=10**5), RateLimit(burst=10**6, per_second=10**5)
            )
            web = WebChatServer(settings, limits=roomy)
            await web.start()
            base = web.url.rstrip("/")
        try:
            await connections(base, client, questions, 200, args.concurrency)  # warm-up
            first = await probe.take()
            print(
                f"mode={args.mode} via={args.via} engineio={args.engineio or 'default'} "
                f"concurrency={args.concurrency} trackers kept={args.keep}"
            )
            print(f"  Rasa's Sanic timeouts: {first.get('sanic')}; Engine.IO ping: {first.get('eio_ping')}")
            print(f"       0 conns: RSS {rss_mb(pid):6.1f} MB  {short(first)}", flush=True)
            started = time.monotonic()
            done = 0
            last = first
            while done < args.connections:
                answered = await connections(base, client, questions, args.step, args.concurrency, args.rate)
                done += args.step
                last = await probe.take()
                rate = done / (time.monotonic() - started)
                print(
                    f"  {done:6d} conns: RSS {last['rss']:6.1f} MB  ({answered}/{args.step} answered, "
                    f"{rate:.0f}/s) {short(last)}",
                    flush=True,
                )
            if args.settle:
                await asyncio.sleep(args.settle)
                last = await probe.take()
                print(f"  after {args.settle:.0f} s idle: RSS {last['rss']:6.1f} MB  {short(last)}")
            for number in range(2, probe.count + 1):
                chains = json.loads((probes / f"probe-{number}.json").read_text()).get("chains")
                if chains:
                    print(f"  probe {number}: {chains['count']} {os.environ['SIO_PROBE_CHAIN']}")
                    for chain in chains["chains"]:
                        print("    " + chain)
            print("  tasks at the end:", last.get("tasks"))
            print("  gc objects grown:", ", ".join(growth(first, last)))
            if args.tracemalloc:
                tracemalloc_diff(probes, 1, probe.count)
        finally:
            if web is not None:
                await web.stop()


def tracemalloc_diff(folder: Path, first: int, last: int) -> None:
    import tracemalloc

    a = tracemalloc.Snapshot.load(str(folder / f"probe-{first}.tm"))
    b = tracemalloc.Snapshot.load(str(folder / f"probe-{last}.tm"))
    print("  tracemalloc, growth by line:")
    for stat in b.compare_to(a, "lineno")[:15]:
        print(f"    {stat.size_diff / 1024:9.1f} KiB {stat.count_diff:+7d}  {stat.traceback[0]}")
    print("  tracemalloc, biggest growth by traceback:")
    for stat in b.compare_to(a, "traceback")[:4]:
        print(f"    {stat.size_diff / 1024:9.1f} KiB {stat.count_diff:+7d}")
        for line in stat.traceback.format()[-16:]:
            print("      " + line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=12000)
    parser.add_argument("--step", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--mode", choices=sorted(CLIENTS), default="ws")
    parser.add_argument("--rate", type=float, default=0, help="new connections a second at most")
    parser.add_argument("--via", choices=("direct", "proxy"), default="direct")
    parser.add_argument("--tracemalloc", type=int, default=0, help="frames to keep (0: off)")
    parser.add_argument("--engineio", default="", help="JSON kwargs for Rasa's socketio.AsyncServer")
    parser.add_argument("--keep", type=int, default=200, help="conversations Rasa's tracker store keeps")
    parser.add_argument("--settle", type=float, default=0, help="seconds idle before a last probe")
    args = parser.parse_args()
    faq = load_faq(REPO / "responses")
    pool = [e.questions[k] for k in range(12) for e in faq.entries if k < len(e.questions)]
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args, pool, Path(tmp)))


if __name__ == "__main__":
    main()
