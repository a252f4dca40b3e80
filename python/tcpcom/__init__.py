"""tcpcom for Python: the PLC life-bit link of libtcpcom, through ctypes.

Every send cycle the link sends one word of `length` bits to the PLC and
reads its echo; bit 0 is the life bit, flipped by the library every toggle
cycle. The other bits carry data that the program sets::

    import tcpcom

    with tcpcom.Link("192.168.17.100", 5050) as link:
        link.set_data(0x1234)            # from the next frame on
        ...
        echo = link.last_echo()          # what became of the last frame
        print(link.stats().echoes_ok)

The link runs in the library's own threads, reconnecting for ever; Python
only sets the data and reads what happened. The shared library is found
through $TCPCOM_LIB (a path), the build directory of this source tree
($BUILD, else build/), or the system's library path.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Callable, Optional

from . import _native

__all__ = ["Link", "Echo", "Stats", "TcpcomError", "ConfigError",
           "version"]


class TcpcomError(Exception):
    """Something the library refused or could not do."""


class ConfigError(TcpcomError, ValueError):
    """A bad setting: a value out of range, a server that is not a host."""


@dataclass(frozen=True)
class Echo:
    """What became of one frame. Times are microseconds of CLOCK_MONOTONIC
    (the clock of time.monotonic() on Linux)."""

    seq: int            #: frames sent since the start; 1 is the first
    status: str         #: "ok", "mismatch", "timeout" or "error"
    frame: int          #: the word sent, life bit included
    echo: Optional[int]  #: the word echoed; None without an echo
    sent_us: int        #: when the frame was written
    done_us: int        #: when the echo came or was given up
    rtt_us: int         #: done_us - sent_us

    @property
    def ok(self) -> bool:
        """The echo came and equals the frame."""
        return self.status == "ok"

    @property
    def data(self) -> int:
        """The data bits the frame carried (bit 0 cleared)."""
        return self.frame & ~1

    @property
    def life_bit(self) -> int:
        return self.frame & 1


@dataclass(frozen=True)
class Stats:
    """A consistent copy of the link's statistics (see tcpcom.h)."""

    frames_sent: int
    echoes_ok: int
    mismatches: int
    echo_timeouts: int
    protocol_errors: int
    connects: int
    disconnects: int
    reconnect_attempts: int
    send_errors: int
    skipped_cycles: int
    toggles: int
    echoes_abandoned: int
    link_down_us: int
    link_up: bool
    elapsed_us: int
    rtt_count: int
    rtt_min_us: int
    rtt_p50_us: int
    rtt_p99_us: int
    rtt_max_us: int
    late_count: int
    late_p50_us: int
    late_p99_us: int
    late_max_us: int


def version() -> str:
    """The version of the loaded libtcpcom."""
    return _native.lib().tcpcom_version().decode()


def _us(name: str, seconds: float) -> int:
    try:
        us = round(float(seconds) * 1e6)
    except (TypeError, ValueError):
        raise ConfigError("%s must be a number of seconds, not %r"
                          % (name, seconds)) from None
    if us <= 0:
        raise ConfigError("%s must be more than 0 s, not %r"
                          % (name, seconds))
    return us


def _echo_from(e: _native.Echo) -> Echo:
    n = e.len
    has_echo = e.status in (1, 2)
    return Echo(seq=e.seq, status=_native.ECHO_STATUS.get(e.status, "?"),
                frame=int.from_bytes(bytes(e.frame[:n]), "big"),
                echo=(int.from_bytes(bytes(e.echo[:n]), "big")
                      if has_echo else None),
                sent_us=e.sent_us, done_us=e.done_us, rtt_us=e.rtt_us)


class Link:
    """One link to a PLC: the library's sender and toggler threads.

    Durations are in seconds. `data` is the data of the first frames;
    without it the frames carry `payload` ("random", "counter" or "zero")
    until set_data is called. `on_echo`, when given, is called with an Echo
    from the library's sender thread after every exchange: it must return
    quickly (the next frame waits for it) and never block.

    Bad settings raise ConfigError. The link starts with start() or on
    entering a `with` block, and stops with close() or on leaving it;
    a closed link cannot be started again.
    """

    def __init__(self, server: str = "192.168.17.100", port: int = 5050, *,
                 length: int = 32, send_cycle: float = 0.1,
                 toggle_cycle: float = 0.5, mode: int = 0,
                 send_on_toggle: bool = False, payload: str = "zero",
                 data: Optional[int] = None, echo_timeout: float = 1.0,
                 connect_timeout: float = 2.0, backoff_min: float = 0.1,
                 backoff_max: float = 5.0, count: int = 0, seed: int = 0,
                 on_echo: Optional[Callable[[Echo], None]] = None) -> None:
        self._lib = _native.lib()
        self._tc: Optional[int] = None
        self._started = False
        self._closed = False
        cfg = _native.Config()
        self._lib.tcpcom_config_init(ctypes.byref(cfg))
        host = str(server).encode()
        if not host or len(host) >= _native.HOST_MAX:
            raise ConfigError("server must be a name or address of 1 to %d "
                              "bytes" % (_native.HOST_MAX - 1))
        cfg.server = host
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ConfigError("port must be 1..65535, not %r" % (port,))
        cfg.port = port
        if (not isinstance(length, int) or length % 8 or
                not 8 <= length <= 8 * _native.FRAME_MAX):
            raise ConfigError("length must be a multiple of 8 from 8 to "
                              "%d bits, not %r" % (8 * _native.FRAME_MAX,
                                                   length))
        cfg.length_bits = length
        self.length = length
        cfg.send_cycle_us = _us("send_cycle", send_cycle)
        cfg.toggle_cycle_us = _us("toggle_cycle", toggle_cycle)
        if mode not in (0, 1):
            raise ConfigError("mode must be 0 or 1, not %r" % (mode,))
        cfg.mode = mode
        cfg.send_on_toggle = 1 if send_on_toggle else 0
        kinds = {"random": _native.PAYLOAD_RANDOM,
                 "counter": _native.PAYLOAD_COUNTER,
                 "zero": _native.PAYLOAD_FIXED}
        if payload not in kinds:
            raise ConfigError("payload must be random, counter or zero, "
                              "not %r" % (payload,))
        cfg.payload = kinds[payload]
        cfg.echo_timeout_us = _us("echo_timeout", echo_timeout)
        cfg.connect_timeout_us = _us("connect_timeout", connect_timeout)
        cfg.backoff_min_us = _us("backoff_min", backoff_min)
        cfg.backoff_max_us = _us("backoff_max", backoff_max)
        for name, value in (("count", count), ("seed", seed)):
            if not isinstance(value, int) or not 0 <= value < 1 << 64:
                raise ConfigError("%s must be an integer >= 0, not %r"
                                  % (name, value))
        cfg.count = count
        cfg.seed = seed
        if data is not None:
            self._check_data(data)

        err = ctypes.create_string_buffer(1024)
        tc = self._lib.tcpcom_new(ctypes.byref(cfg), err, len(err))
        if not tc:
            raise ConfigError(err.value.decode(errors="replace"))
        self._tc = tc
        self._on_echo = None
        if on_echo is not None:
            self._on_echo = _native.EchoFn(
                lambda e, _arg: on_echo(_echo_from(e.contents)))
            self._lib.tcpcom_on_echo(tc, self._on_echo, None)
        if data is not None:
            self.set_data(data)

    def _check_data(self, value: int) -> bytes:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("data must be an int, not %s"
                            % type(value).__name__)
        if value < 0 or value >= 1 << self.length:
            raise ValueError("data 0x%x does not fit in %d bits"
                             % (value, self.length) if value >= 0 else
                             "data must be >= 0, not %d" % value)
        return value.to_bytes(self.length // 8, "big")

    def _handle(self) -> int:
        if self._tc is None:
            raise TcpcomError("the link is closed")
        return self._tc

    def start(self) -> "Link":
        """Starts the threads; the link connects and sends from now on."""
        tc = self._handle()
        if self._started:
            raise TcpcomError("the link is already started")
        err = ctypes.create_string_buffer(1024)
        if self._lib.tcpcom_start(tc, err, len(err)) != 0:
            raise TcpcomError(err.value.decode(errors="replace"))
        self._started = True
        return self

    def set_data(self, value: int) -> None:
        """Sets the data bits (every bit but bit 0, the life bit, which is
        ignored in `value`) of every frame from the next one on. Safe from
        any thread, and from on_echo. ValueError when it does not fit."""
        raw = self._check_data(value)
        buf = (ctypes.c_uint8 * len(raw)).from_buffer_copy(raw)
        if self._lib.tcpcom_set_data(self._handle(), buf, len(raw)) != 0:
            raise TcpcomError("tcpcom_set_data refused %d bytes" % len(raw))

    def last_echo(self) -> Optional[Echo]:
        """The last exchange, or None before the first."""
        e = _native.Echo()
        if not self._lib.tcpcom_last_echo(self._handle(), ctypes.byref(e)):
            return None
        return _echo_from(e)

    def stats(self) -> Stats:
        """A consistent copy of the statistics, while running or after."""
        s = _native.Stats()
        self._lib.tcpcom_get_stats(self._handle(), ctypes.byref(s))
        values = {name: getattr(s, name) for name, _ in s._fields_}
        values["link_up"] = bool(values["link_up"])
        return Stats(**values)

    def wait(self, timeout: float) -> bool:
        """Waits up to `timeout` s for the link to stop (stop(), or its
        frame count reached); True when it is stopping."""
        if not self._started:
            raise TcpcomError("the link is not started")
        us = max(0, round(timeout * 1e6))
        return bool(self._lib.tcpcom_wait(self._handle(), us))

    def stop(self) -> None:
        """Asks the threads to stop; returns at once. Idempotent."""
        if self._tc is not None:
            self._lib.tcpcom_stop(self._tc)

    def close(self) -> None:
        """Stops the link, joins its threads and frees it. Idempotent."""
        if self._tc is None:
            return
        tc, self._tc = self._tc, None
        if self._started:
            self._lib.tcpcom_stop(tc)
            self._lib.tcpcom_join(tc)
        self._lib.tcpcom_free(tc)
        self._on_echo = None

    @property
    def running(self) -> bool:
        """Started, and neither stopping nor closed."""
        if self._tc is None or not self._started:
            return False
        return not self._lib.tcpcom_wait(self._tc, 0)

    def __enter__(self) -> "Link":
        if not self._started:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
